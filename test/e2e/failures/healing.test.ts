// Healing drills of issue 15 on the three-host test bed, requests looped
// through the edges the whole time: an update to an image that cannot be
// pulled stops nothing and is retried with backoff (items 6 and 7), and a
// rollout paused on a broken spec does not hold back failover (item 1): the
// only replica moves off a frozen host with its last healthy spec.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { gitCli } from "../../support/git-fixtures.js";
import { freezeHost, hostNamed, resetTestbed, TESTBED, thawHost } from "../../support/testbed.js";
import { get, steadyStream } from "../edge/traffic.js";
import {
  BED_POLL,
  managed,
  type Managed,
  managedOn,
  OperatorWorld,
  serving,
  STATUS_BRANCH,
} from "../operator/support.js";
import { pollUntil } from "../../support/poll.js";
import { failureCluster } from "./support.js";

const PORT = 8090;
const MISSING = `${TESTBED.registry}/gitfleet/web:does-not-exist`;
let world: OperatorWorld;

/** One replica behind the edges: its loss is an outage, so every failed request shows. */
function soloYaml(o: { image?: string; command?: string; order?: string } = {}): string {
  return `kind: Service
name: solo
image: ${o.image ?? "gitfleet/web:1"}
${o.command !== undefined ? `command: ${o.command}\n` : ""}ports: [{target: 8080, published: ${PORT}}]
healthcheck: {test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8080/health"], interval: 1s, timeout: 5s, retries: 3}
deploy:
  replicas: 1
  update_config: {order: ${o.order ?? "stop-first"}, monitor: 2s}
  restart_policy: {condition: any, delay: 1s}
`;
}

interface SoloStatus {
  state?: string;
  image?: string;
  failover?: { spec_hash?: string; note?: string };
  waiting?: Array<{
    reason?: string;
    image?: string;
    attempts?: number;
    next_retry?: string;
    error?: string;
  }>;
  replicas?: Array<{ host?: string; state?: string; restarts?: number; image?: string; spec_hash?: string }>;
}

async function soloStatus(): Promise<SoloStatus> {
  return (parse(await world.status("status/services/solo.yaml")) as SoloStatus | null) ?? {};
}

const solo = (): Promise<Managed[]> => managed("solo");
/** Commits on the status branch (0 before the first). */
const statusCommits = async (): Promise<number> =>
  Number((await gitCli(world.bare, ["rev-list", "--count", STATUS_BRANCH]).catch(() => "0")).trim());

beforeAll(async () => {
  await resetTestbed();
  world = await OperatorWorld.create({});
  await world.push({ "cluster.yaml": failureCluster(), "services/solo.yaml": soloYaml() }, "solo on 8090");
  world.startOperator();
  await pollUntil("solo serving", async () => serving(await solo()).length === 1, {
    ...BED_POLL,
    timeoutMs: 120_000,
  });
  // The edges take it into rotation after the replica turns healthy: wait until every host answers.
  await pollUntil(
    "solo answering through every host's edge",
    async () => {
      const answers = await Promise.all(
        TESTBED.hosts.map((h) => get(`http://${h.address}:${PORT}/`).catch(() => ({ status: 0 }))),
      );
      return answers.every((a) => a.status === 200);
    },
    { ...BED_POLL, timeoutMs: 60_000 },
  );
}, 180_000);

afterAll(async () => {
  await world?.close();
  await resetTestbed();
});

/** An edge on a host that does not run the replica: its requests cross hosts. */
async function edgeAway(): Promise<string> {
  const [r] = serving(await solo());
  const away = TESTBED.hosts.find((h) => h.name !== r?.host) ?? TESTBED.hosts[0];
  return `http://${away.address}:${PORT}/`;
}

describe("healing under failure", () => {
  it("keeps the running replica when the new image cannot be pulled (stop-first): no failed request, retried with backoff", async () => {
    const [before] = serving(await solo());
    const stream = steadyStream(await edgeAway());
    const commitsBefore = await statusCommits();
    const logFrom = world.output.length;
    await world.push(
      { "services/solo.yaml": soloYaml({ image: MISSING }) },
      "solo: an image that does not exist",
    );
    await pollUntil(
      "status: image-pull-failed",
      async () => (await soloStatus()).state === "image-pull-failed",
      { ...BED_POLL, timeoutMs: 30_000 },
    );
    const start = Date.now();
    // Watch a minute of retries.
    await new Promise((r) => setTimeout(r, 60_000));
    const report = await stream.stop();
    const elapsed = Date.now() - start;

    const pushedAt = start - 1; // failures before the push would be the stream's, not the update's
    if (report.failed > 0) {
      const rel = report.failures.map((f) => `${f.at - pushedAt}ms ${f.error}`);
      process.stderr.write(
        `[healing] failures: ${rel.slice(0, 5).join("; ")} … ${rel.slice(-3).join("; ")}\n`,
      );
    }
    expect(report.failed).toBe(0);
    expect(report.ok).toBeGreaterThan(100);
    const now = await solo();
    expect(now.map((c) => [c.id, c.state])).toEqual([[before?.id, "running"]]);
    const doc = await soloStatus();
    expect(doc.state).toBe("image-pull-failed");
    expect(doc.image).toBe(MISSING);
    expect(doc.waiting?.[0]).toMatchObject({ reason: "image-pull-failed", image: MISSING });
    expect(doc.waiting?.[0]?.next_retry).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(doc.replicas?.map((r) => [r.state, r.restarts, r.image])).toEqual([
      ["running", 0, "gitfleet/web:1"],
    ]);
    expect(await world.status("STATUS.md")).toContain(`${MISSING} (running gitfleet/web:1)`);
    // Backoff: 5-10 s, 10-20 s, 20-40 s... about 4 pulls in a minute, not one or two a second.
    const pulls = (world.output.slice(logFrom).match(/"kind":"image-pull-failed"/g) ?? []).length;
    process.stderr.write(
      `[healing] ${pulls} failed pulls and ${(await statusCommits()) - commitsBefore} status commits in ${elapsed} ms\n`,
    );
    expect(pulls).toBeGreaterThanOrEqual(2);
    expect(pulls).toBeLessThanOrEqual(6);
    expect((await statusCommits()) - commitsBefore).toBeLessThanOrEqual(15);
    expect(world.output.slice(logFrom)).not.toMatch(/"msg":"solo\/1 restarted/);
  }, 150_000);

  it("fails the only replica of a paused service over to a survivor with its last healthy spec", async () => {
    // Back to v1 (nothing to do: it runs), then a v2 that crashes: start-first, so v1 serves on.
    await world.push({ "services/solo.yaml": soloYaml() }, "solo: v1 again");
    await pollUntil("solo converged", async () => (await soloStatus()).state === "converged", {
      ...BED_POLL,
      timeoutMs: 60_000,
    });
    const broken = soloYaml({ command: '["sh", "-c", "exit 3"]', order: "start-first" });
    const stream = steadyStream(await edgeAway());
    await world.push({ "services/solo.yaml": broken }, "solo: v2 crashes");
    await pollUntil("status: paused", async () => (await soloStatus()).state === "paused", {
      ...BED_POLL,
      timeoutMs: 60_000,
    });
    const [v1] = serving(await solo());
    expect(v1).toBeDefined();
    const victim = hostNamed(v1?.host ?? "");

    const frozenAt = Date.now();
    await freezeHost(victim);
    try {
      const away = TESTBED.hosts.filter((h) => h.name !== victim.name);
      await pollUntil(
        "solo serving on a survivor",
        async () => {
          // Listing the frozen host would hang: the survivors only.
          const list = (await Promise.all(away.map((h) => managedOn(h))))
            .flat()
            .filter((c) => c.service === "solo");
          return serving(list).length === 1 ? list : undefined;
        },
        { ...BED_POLL, timeoutMs: 30_000 },
      );
      const failoverMs = Date.now() - frozenAt;
      process.stderr.write(`[healing] paused service failed over in ${failoverMs} ms\n`);
      expect(failoverMs).toBeLessThan(15_000);
      const doc = await pollUntil(
        "status names the last healthy spec",
        async () => {
          const d = await soloStatus();
          return d.failover !== undefined && d.state === "paused" ? d : undefined;
        },
        { ...BED_POLL, timeoutMs: 30_000 },
      );
      expect(doc.failover?.note).toMatch(
        /^rollout held: failover and healing use the last healthy spec [0-9a-f]{8}$/,
      );
      expect(doc.replicas?.filter((r) => r.state === "running").map((r) => r.spec_hash)).toEqual([
        doc.failover?.spec_hash,
      ]);
      // After the failover, every request is answered.
      await new Promise((r) => setTimeout(r, 5_000));
    } finally {
      await thawHost(victim);
    }
    const report = await stream.stop();
    const late = report.failures.filter((f) => f.at > frozenAt + 15_000);
    process.stderr.write(`[healing] during the freeze: ${report.failed} failed, ${report.ok} ok\n`);
    expect(late).toEqual([]);
    // Back: the stale v1 is fenced off; the crashed v2 container stays for inspection; one serves.
    const settledSolo = await pollUntil(
      "one solo container serving, the stale one gone",
      async () => {
        const all = await solo();
        const v1s = all.filter((c) => c.specHash === v1?.specHash);
        return v1s.length === 1 && serving(v1s).length === 1 ? all : undefined;
      },
      { ...BED_POLL, timeoutMs: 60_000 },
    );
    expect(settledSolo.filter((c) => c.state === "running")).toHaveLength(1);
    expect(settledSolo.filter((c) => c.specHash !== v1?.specHash).map((c) => c.state)).toEqual(["exited"]);
    expect((await soloStatus()).state).toBe("paused");
  }, 180_000);
});
