// Bounds on what a commit may be (issue 12), through the running operator on
// the test bed with a real Git server (git http-backend): commits that each
// break one limit — a file over limits.max_file_size, a commit over
// limits.max_commit_size, YAML nested too deep, replicas over the ceiling, a
// privileged service the ceiling does not allow, a symbolic link under
// services/ — are refused. For each: status in Git names the rejection with
// its path and code, nothing of that commit reaches any host (every bad commit
// also changes calm's environment, so applying any of it would replace calm's
// containers), and the operator keeps its pace: the good commit pushed next is
// applied, no host is ever declared down, passes keep running. One operator
// for every case, to keep the file fast.

import { symlink } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { resetTestbed } from "../../support/testbed.js";
import {
  BED_POLL,
  clusterYaml,
  defaultCeiling,
  managed,
  type Managed,
  OperatorWorld,
  serving,
} from "./support.js";
import { pollUntil } from "../../support/poll.js";

const MAX_FILE = 8 * 1024;
const MAX_COMMIT = 64 * 1024;
const MAX_REPLICAS = 4;

let world: OperatorWorld;

function calmYaml(
  o: { readonly env?: string; readonly replicas?: number; readonly extra?: string } = {},
): string {
  return [
    "kind: Service",
    "name: calm",
    "image: gitfleet/busybox:1.35",
    `command: ["sh", "-c", "trap 'exit 0' TERM; httpd -f -p 8080 -h /tmp & wait"]`,
    ...(o.env !== undefined ? [`environment: {TRY: ${o.env}}`] : []),
    ...(o.extra !== undefined ? [o.extra] : []),
    `deploy: {replicas: ${o.replicas ?? 2}, restart_policy: {delay: 1s}}`,
    "",
  ].join("\n");
}

const GOOD = { "cluster.yaml": clusterYaml(), "services/calm.yaml": calmYaml() };

/** "line:col" of the first occurrence of `marker` in `text` (1-based, as the loader reports). */
function positionOf(text: string, marker: string): string {
  const lines = text.slice(0, text.indexOf(marker)).split("\n");
  return `${lines.length}:${(lines[lines.length - 1] ?? "").length + 1}`;
}

/** A small valid service padded with a comment to `bytes`. */
function padded(name: string, bytes: number): string {
  const body = `kind: Service\nname: ${name}\nimage: gitfleet/busybox:1.35\n`;
  return `# ${"x".repeat(bytes - body.length - 3)}\n${body}`;
}

interface BadCommit {
  readonly what: string;
  /** Files of the bad commit (besides calm with a changed environment). */
  readonly files: () => Record<string, string>;
  /** Made in the work tree before the commit (a symbolic link). */
  readonly prepare?: () => Promise<void>;
  /** Paths the good commit after it removes. */
  readonly leaves: readonly string[];
  /** The start of an error line in status: "path:line:col: message", and its code. */
  readonly expected: () => { readonly at: string; readonly code: string };
}

const parts = Array.from({ length: 10 }, (_, i) => `services/part-${String(i).padStart(2, "0")}.yaml`);

const cases: readonly BadCommit[] = [
  {
    what: "a file over limits.max_file_size",
    files: () => ({ "services/big.yaml": padded("big", MAX_FILE + 1024) }),
    leaves: ["services/big.yaml"],
    expected: () => ({ at: "services/big.yaml:1:1: file is 9 KiB", code: "file-too-large" }),
  },
  {
    // Ten files of 7 KiB: each within max_file_size, together past max_commit_size. Files are
    // counted in path order after cluster.yaml and calm.yaml, so the tenth passes the budget.
    what: "a commit over limits.max_commit_size",
    files: () => Object.fromEntries(parts.map((p, i) => [p, padded(`part-${i}`, 7 * 1024)])),
    leaves: parts,
    expected: () => ({
      at: "services/part-09.yaml:1:1: the spec files of this commit pass 64 KiB",
      code: "commit-too-large",
    }),
  },
  {
    what: "YAML nested deeper than the loader allows",
    files: () => ({
      "services/deep.yaml": `kind: Service\nname: deep\nimage: x\nlabels: {a: ${"[".repeat(100)}${"]".repeat(100)}}\n`,
    }),
    leaves: ["services/deep.yaml"],
    expected: () => ({ at: "services/deep.yaml:", code: "nesting-too-deep" }),
  },
  {
    what: "replicas over the ceiling",
    files: () => ({ "services/calm.yaml": calmYaml({ env: "replicas", replicas: MAX_REPLICAS + 1 }) }),
    leaves: [],
    expected: () => {
      const text = calmYaml({ env: "replicas", replicas: MAX_REPLICAS + 1 });
      return {
        at: `services/calm.yaml:${positionOf(text, `${MAX_REPLICAS + 1},`)}:`,
        code: "ceiling-replicas",
      };
    },
  },
  {
    what: "a privileged service the ceiling does not allow",
    files: () => ({ "services/calm.yaml": calmYaml({ env: "privileged", extra: "privileged: true" }) }),
    leaves: [],
    expected: () => {
      const text = calmYaml({ env: "privileged", extra: "privileged: true" });
      return {
        at: `services/calm.yaml:${positionOf(text, "true")}: privileged containers are forbidden by ceiling.allow_privileged`,
        code: "ceiling-privileged",
      };
    },
  },
  {
    what: "a symbolic link under services/",
    files: () => ({}),
    prepare: () => symlink("../cluster.yaml", path.join(world.repo.dir, "services/link.yaml")),
    leaves: ["services/link.yaml"],
    expected: () => ({ at: "services/link.yaml:1:1: is a symbolic link", code: "symlink" }),
  },
];

const ids = (list: readonly Managed[]): string[] => list.map((c) => c.id).sort();

interface ClusterStatus {
  sync?: string;
  desired_commit?: { commit?: string };
  rejected_commit?: { commit?: string; errors?: string[] };
}

async function clusterStatus(): Promise<ClusterStatus> {
  return (parse(await world.status("status/cluster.yaml")) ?? {}) as ClusterStatus;
}

async function synced(commit: string): Promise<ClusterStatus | undefined> {
  const s = await clusterStatus();
  return s.sync === "Synced" && s.desired_commit?.commit === commit ? s : undefined;
}

/** Lines where the operator logged a host's state changing from up (a heartbeat that came too late). */
function hostsLost(): string[] {
  return world.output.split("\n").filter((l) => /host h\d: up → /.test(l));
}

const passesStarted = (): number => world.output.split('"pass started"').length - 1;

beforeAll(async () => {
  await resetTestbed();
  world = await OperatorWorld.create(
    {},
    {
      ceiling: [...defaultCeiling(), `max_replicas_per_service: ${MAX_REPLICAS}`],
      extra: ["limits:", `  max_file_size: ${MAX_FILE / 1024}K`, `  max_commit_size: ${MAX_COMMIT / 1024}K`],
    },
  );
  const first = await world.push(GOOD, "calm: two replicas");
  world.startOperator();
  await pollUntil(
    "calm 2/2 and Synced",
    async () => serving(await managed("calm")).length === 2 && (await synced(first)) !== undefined,
    { ...BED_POLL, timeoutMs: 90_000 },
  );
}, 150_000);

afterAll(async () => {
  await world?.close();
});

describe("the running operator refuses commits past its bounds", () => {
  for (const bad of cases) {
    it(`refuses ${bad.what}: status names it, no host changes, the next good commit is applied`, async () => {
      const before = ids(await managed());
      const passes = passesStarted();
      await bad.prepare?.();
      const commit = await world.push(
        { "services/calm.yaml": calmYaml({ env: "bad" }), ...bad.files() },
        `try: ${bad.what}`,
      );

      const status = await pollUntil(
        "status Rejected for the commit",
        async () => {
          const s = await clusterStatus();
          return s.sync === "Rejected" && s.rejected_commit?.commit === commit ? s : undefined;
        },
        { ...BED_POLL, timeoutMs: 60_000 },
      );
      const { at, code } = bad.expected();
      const errors = status.rejected_commit?.errors ?? [];
      expect(
        errors.filter((line) => line.startsWith(at) && line.endsWith(`[${code}]`)),
        errors.join("\n"),
      ).not.toEqual([]);
      expect(status.desired_commit?.commit).not.toBe(commit);
      // Passes ran on the bad commit: give them time to act, then nothing may have moved.
      await pollUntil("a pass after the bad commit", async () => passesStarted() > passes, {
        ...BED_POLL,
        timeoutMs: 30_000,
      });
      await new Promise((r) => setTimeout(r, 2_000));
      expect(ids(await managed())).toEqual(before);
      expect(serving(await managed("calm"))).toHaveLength(2);

      const good = await world.push(
        { ...GOOD, ...Object.fromEntries(bad.leaves.map((p) => [p, null])) },
        `back to calm after: ${bad.what}`,
      );
      const back = await pollUntil("the good commit Synced", () => synced(good), {
        ...BED_POLL,
        timeoutMs: 60_000,
      });
      expect(back.rejected_commit).toBeUndefined();
      expect(ids(await managed())).toEqual(before);
      expect(hostsLost()).toEqual([]);
    }, 150_000);
  }

  it("applies a change right after them, with every host still up, and stops cleanly", async () => {
    const three = await world.push(
      { "services/calm.yaml": calmYaml({ replicas: 3 }) },
      "calm: three replicas",
    );
    await pollUntil(
      "calm 3/3 and Synced",
      async () => serving(await managed("calm")).length === 3 && synced(three),
      { ...BED_POLL, timeoutMs: 60_000 },
    );
    expect(hostsLost()).toEqual([]);
    expect(await world.stopOperator()).toBe(0);
  }, 90_000);
});
