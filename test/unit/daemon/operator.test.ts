import { describe, expect, it } from "vitest";
import type { DesiredState } from "../../../src/model/spec.js";
import { service } from "../../support/fixtures.js";
import { HOSTS, state, web } from "../../support/web-service.js";
import { FakeFleet } from "../../support/fakes/fake-fleet.js";
import { FakeSink, FakeSource } from "../../support/fakes/fake-ports.js";
import { fakeOperator } from "../../support/fakes/fake-operator.js";
import { FakeTime } from "../../support/fakes/fake-time.js";
import { pollUntil } from "../../support/poll.js";

function setup(desired: DesiredState, o: { heartbeat?: boolean } = {}) {
  const time = new FakeTime();
  const fleet = new FakeFleet(time, HOSTS);
  const source = new FakeSource(time);
  source.set(desired);
  const sink = new FakeSink(time);
  const op = fakeOperator({ time, fleet, source, sink }, o);
  /** Run fake time until cond holds (checked every 50 ms). */
  const until = async (cond: () => boolean, limitMs = 600_000): Promise<void> => {
    await time.run(pollUntil(String(cond), cond, { timeoutMs: limitMs, intervalMs: 50, time }));
  };
  return { time, fleet, source, sink, op, until };
}

describe("operator: the reconcile loop", () => {
  it("--once converges, writes status once, and a second run changes nothing", async () => {
    const { fleet, sink, op, time } = setup(state(web(1)));
    const out = await time.run(op.runOnce());
    expect(out.ok).toBe(true);
    expect(out.converged).toBe(true);
    expect(fleet.serving("web")).toBe(3);
    const writes = sink.writes.length;
    expect(sink.last("status/cluster.yaml")).toContain("sync: Synced");
    const again = await time.run(op.runOnce());
    expect(again.converged).toBe(true);
    expect(sink.writes.length).toBe(writes);
  });

  it("keeps the last good state when a commit is rejected, and reports its errors", async () => {
    const { fleet, source, sink, op, time } = setup(state(web(1)));
    await time.run(op.runOnce());
    const before = fleet
      .containers()
      .map((c) => c.id)
      .sort();
    source.reject("bad1234", [
      { path: "services/web.yaml", line: 3, col: 8, code: "schema", message: "replicas must be >= 0" },
    ]);
    const out = await time.run(op.runOnce());
    expect(out.ok).toBe(true); // nothing failed on the hosts; the rejection is reported, not retried
    expect(
      fleet
        .containers()
        .map((c) => c.id)
        .sort(),
    ).toEqual(before);
    const cluster = sink.last("status/cluster.yaml");
    expect(cluster).toContain("sync: Rejected");
    expect(cluster).toContain("services/web.yaml:3:8: replicas must be >= 0");
  });

  it("never runs two passes at once and coalesces triggers that arrive meanwhile", async () => {
    const { source, op, until, time } = setup(state(web(1)));
    await op.start();
    await until(() => op.last?.converged === true);
    const polls = source.polls;
    for (let i = 0; i < 10; i++) op.markDue(`burst ${i}`);
    await until(() => source.polls > polls);
    await until(() => op.last?.converged === true && source.inFlight === 0);
    await time.run(op.stop());
    expect(source.maxInFlight).toBe(1);
    expect(source.polls - polls).toBeLessThanOrEqual(2);
  });

  it("retries a failed pass with growing backoff", async () => {
    const { source, op, until, time } = setup(state(web(1)));
    source.throwNext = 3;
    const t0 = time.now();
    await op.start();
    await until(() => op.last?.converged === true);
    await time.run(op.stop());
    // Failed at ~0, retried after 1 s, 2 s, 4 s: the fourth poll succeeds about 7 s in.
    expect(source.polls).toBeGreaterThanOrEqual(4);
    expect(time.now() - t0).toBeGreaterThanOrEqual(7000);
  });

  it("on stop finishes the step in flight, writes status and ends", async () => {
    const { fleet, sink, op, until, source, time } = setup(state(web(1)));
    await op.start();
    await until(() => op.last?.converged === true);
    source.set(state(web(2)), "c2");
    op.markDue("push");
    await until(() => fleet.containers("web").length === 4); // the first new replica exists
    const writes = sink.writes.length;
    await time.run(op.stop());
    expect(sink.writes.length).toBeGreaterThan(writes);
    // Still one new replica at most: the rollout stopped instead of going on.
    expect(fleet.containers("web").filter((c) => c.specHash === web(2).specHash).length).toBe(1);
    expect(fleet.serving("web", web(1).specHash)).toBeGreaterThanOrEqual(2);
  });

  it("does not retry a rolled-back spec, and a new spec clears the hold", async () => {
    const { fleet, sink, op, source, time } = setup(state(web(1)));
    await time.run(op.runOnce());
    fleet.behaviours.set("web:2", { unhealthyAfterMs: 1500 });
    source.set(state(web(2)), "c2");
    const statuses: string[] = [];
    op.onPass((o) => statuses.push(...(o.result?.rollouts.map((r) => r.status) ?? [])));
    await time.run(op.runOnce());
    expect(statuses).toEqual(["rolled-back"]);
    const status = sink.last("status/services/web.yaml");
    expect(status).toContain("rolled-back");
    const next = await time.run(op.runOnce());
    expect(next.plan?.held.map((h) => h.service)).toEqual(["web"]);
    expect(fleet.containers("web").filter((c) => c.specHash === web(2).specHash)).toEqual([]);
    source.set(state(web(3)), "c3");
    const fixed = await time.run(op.runOnce());
    expect(fixed.ok).toBe(true);
    expect(fleet.serving("web", web(3).specHash)).toBe(3);
  });

  it("restarts a killed replica only after restart_policy.delay, and counts it", async () => {
    const { fleet, op, until, time, sink } = setup(state(web(1, { restart: { delayMs: 5000 } })));
    await op.start();
    await until(() => op.last?.converged === true);
    const [victim] = fleet.host("h2").byService("web");
    const killedAt = time.now();
    fleet.host("h2").kill(victim?.id ?? "");
    op.markDue("die event");
    await until(() => fleet.host("h2").byService("web")[0]?.state === "running");
    const restartedAt = time.now();
    await until(
      () => op.last?.converged === true && sink.last("status/services/web.yaml").includes("restarts: 1"),
    );
    await time.run(op.stop());
    expect(restartedAt - killedAt).toBeGreaterThanOrEqual(5000);
    expect(restartedAt - killedAt).toBeLessThan(7000);
  });

  it("moves the replicas of a host that stops answering to the others", async () => {
    const { fleet, op, until, time } = setup(state(web(1)), { heartbeat: true });
    await op.start();
    await until(() => op.last?.converged === true);
    const downAt = time.now();
    fleet.host("h3").down = true;
    await until(
      () => fleet.host("h1").byService("web").length + fleet.host("h2").byService("web").length === 3,
    );
    await until(() => fleet.serving("web") - fleet.host("h3").byService("web").length === 3);
    const movedAt = time.now();
    await time.run(op.stop());
    // hostDownAfterMs is 15 s in the fixtures; the move follows within a few seconds.
    expect(movedAt - downAt).toBeGreaterThanOrEqual(15_000);
    expect(movedAt - downAt).toBeLessThan(20_000);
  });

  it("removes the containers of a service deleted from the repository", async () => {
    const api = service("api", { replicas: 2, image: "api:1", specHash: "api1".padEnd(16, "0") });
    const { fleet, source, op, time } = setup(state(web(1), api));
    await time.run(op.runOnce());
    expect(fleet.containers("api")).toHaveLength(2);
    source.set(state(web(1)), "c2");
    await time.run(op.runOnce());
    expect(fleet.containers("api")).toEqual([]);
    expect(fleet.serving("web")).toBe(3);
  });
});
