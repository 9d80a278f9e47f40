// `plan --format markdown`: the pull request comment, against golden files
// (test/unit/cli/golden/plan-*.md; GOLDEN_UPDATE=1 rewrites them). Each case
// runs the real scheduler and planner over a desired state and what the hosts
// run, then builds the report as the command does.

import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { COMMENT_LIMIT, COMMENT_MARKER, renderComments } from "../../../src/cli/plan/markdown.js";
import { planCounts, planReport, type PlanReport } from "../../../src/cli/plan/report.js";
import type { Baseline } from "../../../src/cli/plan/baseline.js";
import type { ObservedReplica } from "../../../src/model/observed.js";
import type { ServiceSpec } from "../../../src/model/spec.js";
import { explain, plan } from "../../../src/plan/index.js";
import { schedule } from "../../../src/schedule/index.js";
import {
  desiredState,
  GiB,
  host,
  observedCluster,
  replica,
  service,
  type TestHost,
} from "../../support/fixtures.js";

const GOLDEN = join(import.meta.dirname, "golden");

function report(
  hosts: readonly TestHost[],
  services: readonly ServiceSpec[],
  running: readonly ObservedReplica[],
  before: readonly ServiceSpec[] = [],
): PlanReport {
  const desired = desiredState(hosts, services);
  const observed = observedCluster(hosts, running);
  const placement = schedule(desired, observed);
  const p = plan(desired, placement, observed);
  const baselines = new Map<string, Baseline>();
  for (const r of running) {
    const spec = before.find((s) => s.name === r.service);
    baselines.set(r.service, { specHash: r.specHash, commit: r.commit, ...(spec ? { spec } : {}) });
  }
  return planReport({
    desired,
    plan: p,
    placement,
    unobserved: new Map(),
    baselines,
    warnings: [],
    summary: explain(p, placement).split("\n")[0] ?? "",
  });
}

async function golden(name: string, text: string): Promise<void> {
  const file = join(GOLDEN, name);
  if (process.env["GOLDEN_UPDATE"] === "1") await writeFile(file, text);
  expect(text).toBe(await readFile(file, "utf8"));
}

const three = [host("h1"), host("h2"), host("h3")];
const web = (o: Parameters<typeof service>[1] = {}): ServiceSpec => service("web", { replicas: 3, ...o });
const webRunning = (spec: ServiceSpec, hosts = ["h1", "h2", "h3"]): ObservedReplica[] =>
  hosts.map((h, i) => replica(spec, String(i + 1), h));

describe("plan --format markdown", () => {
  it("no change: the headline with zeros, and says the hosts run what the commit asks", async () => {
    const r = report(three, [web()], webRunning(web()), [web()]);
    const [comment, ...rest] = renderComments(r);
    expect(rest).toEqual([]);
    expect(comment).toContain("**Plan: 0 to add, 0 to change, 0 to destroy.**");
    await golden("plan-no-change.md", comment ?? "");
  });

  it("create: a new service's replicas, folded in a table", async () => {
    const r = report(three, [web()], []);
    expect(planCounts(r)).toEqual({ add: 3, change: 0, destroy: 0, unschedulable: 0 });
    const [comment] = renderComments(r);
    expect(comment).toContain("**Plan: 3 to add, 0 to change, 0 to destroy.**");
    expect(comment).toMatch(/<details><summary>3 replicas: 3 create<\/summary>/);
    await golden("plan-create.md", comment ?? "");
  });

  it("scale: replicas 3 -> 5 and an image change in one commit", async () => {
    const before = web();
    const after = web({ replicas: 5, image: "registry.test/web:2", specHash: "web0000bbbb" });
    const r = report(three, [after], webRunning(before), [before]);
    const [comment] = renderComments(r);
    expect(comment).toContain("**Plan: 2 to add, 3 to change, 0 to destroy.**");
    expect(comment).toContain('~ image: "registry.test/web:1" -> "registry.test/web:2"');
    expect(comment).toContain("~ deploy.replicas: 3 -> 5");
    await golden("plan-scale.md", comment ?? "");
  });

  it("move: a host drained, its replica moves, and a service scaled down", async () => {
    const hosts = [host("h1"), host("h2", { drain: true }), host("h3")];
    const api = service("api", { replicas: 1 });
    const r = report(
      hosts,
      [web(), api],
      [...webRunning(web()), ...webRunning(service("api", { replicas: 3 }), ["h1", "h3", "h1"])],
      [web(), service("api", { replicas: 3 })],
    );
    const [comment] = renderComments(r);
    expect(planCounts(r)).toMatchObject({ destroy: 2 });
    expect(comment).toMatch(/\| move \| `web\/2` \| h\d \(from h2\) \|/);
    await golden("plan-move.md", comment ?? "");
  });

  it("unschedulable: the reasons stay visible, outside the folded table", async () => {
    const big = service("db", { replicas: 3, memory: 6 * GiB, constraints: ["node.labels.disk == ssd"] });
    const hosts = [
      host("h1", { labels: { disk: "ssd" } }),
      host("h2", { labels: { disk: "ssd" } }),
      host("h3"),
    ];
    const r = report(hosts, [big], []);
    const [comment] = renderComments(r);
    expect(comment).toContain("cannot be scheduled.");
    const reasons = comment?.indexOf("**Cannot schedule**") ?? -1;
    expect(reasons).toBeGreaterThan(0);
    expect(reasons).toBeLessThan(comment?.indexOf("<details>") ?? 0);
    await golden("plan-unschedulable.md", comment ?? "");
  });

  it("a 70,000-character plan is split in two comments, each under the forge's limit", async () => {
    const hosts = Array.from({ length: 10 }, (_, i) => host(`host-${String(i + 1).padStart(2, "0")}`));
    const services = Array.from({ length: 32 }, (_, i) =>
      service(`service-with-a-long-name-${String(i + 1).padStart(2, "0")}`, { replicas: 30 }),
    );
    const r = report(hosts, services, []);
    const whole = renderComments(r, { limit: Number.MAX_SAFE_INTEGER });
    expect(whole).toHaveLength(1);
    expect(whole[0]?.length).toBeGreaterThan(70_000);
    const parts = renderComments(r);
    expect(parts).toHaveLength(2);
    for (const [i, part] of parts.entries()) {
      expect(part.length).toBeLessThan(COMMENT_LIMIT);
      expect(part.startsWith(`${COMMENT_MARKER} part ${i + 1} of 2 -->`)).toBe(true);
      expect(part).toContain("**Plan: 960 to add, 0 to change, 0 to destroy.**");
      // Folds are closed within each part.
      expect(part.split("<details>").length).toBe(part.split("</details>").length);
    }
    // Nothing lost, nothing twice: every replica's row is in exactly one part.
    const rows = parts.join("").match(/^\| create \|/gm) ?? [];
    expect(rows).toHaveLength(960);
    await golden("plan-split-1.md", parts[0] ?? "");
    await golden("plan-split-2.md", parts[1] ?? "");
  });

  it("a service too large for one comment is cut between table rows", () => {
    const r = report([host("h1")], [service("huge", { replicas: 400 })], []);
    const parts = renderComments(r, { limit: 8_000 });
    expect(parts.length).toBeGreaterThan(2);
    for (const part of parts) expect(part.length).toBeLessThan(8_000);
    expect((parts.join("").match(/^\| create \|/gm) ?? []).length).toBe(400);
    expect(parts[1]).toContain("### `huge` (continued)");
  });
});
