import { describe, expect, it } from "vitest";
import { plan } from "../../../src/plan/index.js";
import type { Plan, Rollout, Step } from "../../../src/plan/types.js";
import { schedule } from "../../../src/schedule/index.js";
import {
  desiredState,
  host,
  observedCluster,
  replica,
  service,
  type ServiceOptions,
} from "../../support/fixtures.js";

const hosts = [host("h1"), host("h2"), host("h3")];

/** api with `n` running replicas of the old spec, one per host, updated to spec "new". */
function update(n: number, o: ServiceOptions = {}): { p: Plan; rollout: Rollout } {
  const api = service("api", { replicas: n, specHash: "new00000", ...o });
  const running = Array.from({ length: n }, (_, i) =>
    replica(api, String(i + 1), `h${(i % 3) + 1}`, { specHash: "old00000" }),
  );
  const d = desiredState(hosts, [api]);
  const obs = observedCluster(hosts, running);
  const p = plan(d, schedule(d, obs), obs);
  const rollout = p.rollouts[0];
  if (rollout === undefined) throw new Error("no rollout");
  return { p, rollout };
}

const kinds = (steps: readonly Step[]) => steps.map((s) => s.kind);

describe("update_config.parallelism", () => {
  const cases = [
    { parallelism: 1, batches: [1, 1, 1, 1, 1] },
    { parallelism: 2, batches: [2, 2, 1] },
    { parallelism: 5, batches: [5] },
    { parallelism: 0, batches: [5] }, // 0 = all at once, as in Swarm
  ];
  for (const c of cases) {
    it(`parallelism ${c.parallelism} updates 5 replicas in batches of ${c.batches.join(", ")}`, () => {
      const { rollout } = update(5, { update: { parallelism: c.parallelism } });
      expect(rollout.batches.map((b) => b.tasks.length)).toEqual(c.batches);
      expect(rollout.batches.every((b) => b.rolling)).toBe(true);
      expect(rollout.batches.flatMap((b) => b.tasks.map((t) => t.slot))).toEqual(["1", "2", "3", "4", "5"]);
    });
  }
});

describe("update_config.delay", () => {
  it("waits the delay between batches, not after the last", () => {
    const { rollout } = update(3, { update: { delayMs: 10_000 } });
    expect(rollout.batches.map((b) => b.delayAfterMs)).toEqual([10_000, 10_000, 0]);
  });
});

describe("update_config.order", () => {
  it("stop-first stops the old replica, then brings up the new one; the old is removed at the end", () => {
    const { rollout } = update(1, { update: { order: "stop-first" } });
    const task = rollout.batches[0]?.tasks[0];
    expect(task?.change).toBe("update");
    expect(kinds(task?.steps ?? [])).toEqual(["stop", "create", "start", "wait-healthy"]);
    expect(rollout.cleanup.map((s) => [s.kind, s.container.id])).toEqual([["remove", "api-1-h1-old00000"]]);
  });

  it("start-first brings up the new replica and only then stops the old one", () => {
    const { rollout } = update(1, { update: { order: "start-first" } });
    expect(kinds(rollout.batches[0]?.tasks[0]?.steps ?? [])).toEqual([
      "create",
      "start",
      "wait-healthy",
      "stop",
    ]);
  });

  it("falls back to stop-first on the same host when a host-mode port would clash", () => {
    const { rollout } = update(1, { update: { order: "start-first" }, hostPorts: [80] });
    expect(kinds(rollout.batches[0]?.tasks[0]?.steps ?? [])).toEqual([
      "stop",
      "create",
      "start",
      "wait-healthy",
    ]);
  });
});

describe("update_config.monitor, failure_action, max_failure_ratio", () => {
  it("watches each new replica for the monitor period", () => {
    const { rollout } = update(2, { update: { monitorMs: 7000 } });
    const waits = rollout.batches.flatMap((b) =>
      b.tasks.flatMap((t) => t.steps.filter((s) => s.kind === "wait-healthy")),
    );
    expect(waits.map((s) => (s.kind === "wait-healthy" ? s.monitorMs : -1))).toEqual([7000, 7000]);
  });

  it("carries failure_action and max_failure_ratio for the executor", () => {
    const cfg = { failureAction: "rollback", maxFailureRatio: 0.25 } as const;
    const { rollout } = update(2, { update: cfg });
    expect(rollout.updateConfig).toMatchObject(cfg);
  });

  it("waits for health with a timeout derived from the healthcheck", () => {
    const hc = { intervalMs: 2000, timeoutMs: 1000, retries: 3, startPeriodMs: 5000 };
    const { rollout } = update(1, { healthcheck: hc });
    const wait = rollout.batches[0]?.tasks[0]?.steps.find((s) => s.kind === "wait-healthy");
    expect(wait).toMatchObject({ hasHealthcheck: true, timeoutMs: 5000 + 3000 * 4 });
  });
});

describe("rollback_config", () => {
  it("each rolling task carries its undo in rollback_config's order (stop-first)", () => {
    const { rollout } = update(1, { rollback: { order: "stop-first", monitorMs: 3000 } });
    const undo = rollout.batches[0]?.tasks[0]?.undo ?? [];
    expect(kinds(undo)).toEqual(["stop", "remove", "start", "wait-healthy"]);
    expect(undo[2]).toMatchObject({ kind: "start", host: "h1", container: { id: "api-1-h1-old00000" } });
    expect(undo[3]).toMatchObject({ monitorMs: 3000 });
    expect(rollout.rollbackConfig.monitorMs).toBe(3000);
  });

  it("start-first rollback starts the old replica before dropping the new one", () => {
    const { rollout } = update(1, { rollback: { order: "start-first" } });
    expect(kinds(rollout.batches[0]?.tasks[0]?.undo ?? [])).toEqual([
      "start",
      "wait-healthy",
      "stop",
      "remove",
    ]);
  });
});

describe("stop_grace_period", () => {
  it("is the grace of every stop step", () => {
    const { rollout } = update(2, { stopGraceMs: 42_000 });
    const stops = rollout.batches.flatMap((b) =>
      b.tasks.flatMap((t) => t.steps.filter((s) => s.kind === "stop")),
    );
    expect(stops).toHaveLength(2);
    for (const s of stops) expect(s).toMatchObject({ graceMs: 42_000 });
  });
});

describe("depends_on", () => {
  it("orders dependencies first and makes dependents wait for those that change", () => {
    const db = service("db", { specHash: "db2" });
    const cache = service("cache");
    const api = service("api", { dependsOn: ["db", "cache"] });
    const web = service("web", { dependsOn: ["api"] });
    const d = desiredState(hosts, [web, api, db, cache]);
    const obs = observedCluster(hosts, [replica(cache, "1", "h1")]);
    const p = plan(d, schedule(d, obs), obs);
    expect(p.rollouts.map((r) => [r.service, r.waitFor])).toEqual([
      ["db", []],
      ["api", ["db"]],
      ["web", ["api"]],
    ]);
  });
});
