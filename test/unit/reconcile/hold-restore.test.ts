// A restarted operator (new process, same fleet, same status branch) keeps a
// rolled-back rollout held: the hold is read back from the committed status.

import { describe, expect, it } from "vitest";
import { RolloutHolds } from "../../../src/reconcile/memory/rollout-holds.js";
import type { DesiredState, ServiceSpec } from "../../../src/model/spec.js";
import { desiredState, host, service } from "../../support/fixtures.js";
import { FakeFleet } from "../../support/fakes/fake-fleet.js";
import { FakeSink, FakeSource } from "../../support/fakes/fake-ports.js";
import { fakeOperator } from "../../support/fakes/fake-operator.js";
import { FakeTime } from "../../support/fakes/fake-time.js";

const HOSTS = ["h1", "h2", "h3"];
const state = (...services: ServiceSpec[]): DesiredState =>
  desiredState(
    HOSTS.map((h) => host(h)),
    services,
  );

function web(version: number): ServiceSpec {
  return service("web", {
    replicas: 3,
    image: `web:${version}`,
    specHash: `web${version}`.padEnd(16, "0"),
    healthcheck: true,
    update: { monitorMs: 2000, order: "start-first", failureAction: "rollback" },
  });
}

/** The operator, and the rollout outcomes of all its passes. */
function operator(time: FakeTime, fleet: FakeFleet, source: FakeSource, sink: FakeSink) {
  const op = fakeOperator({ time, fleet, source, sink });
  const rollouts: string[] = [];
  op.onPass((o) => rollouts.push(...(o.result?.rollouts.map((r) => r.status) ?? [])));
  return { op, rollouts };
}

/** web:2 fails its healthcheck and is rolled back by a first operator; returns a restarted one. */
async function rolledBackThenRestarted(prepare?: (sink: FakeSink) => void) {
  const time = new FakeTime();
  const fleet = new FakeFleet(time, HOSTS);
  const source = new FakeSource(time);
  source.set(state(web(1)));
  const before = new FakeSink(time);
  const first = operator(time, fleet, source, before);
  await time.run(first.op.runOnce());
  fleet.behaviours.set("web:2", { unhealthyAfterMs: 1500 });
  source.set(state(web(2)), "c2");
  first.rollouts.length = 0;
  await time.run(first.op.runOnce());
  expect(first.rollouts).toEqual(["rolled-back"]);
  const afterRollback = fleet.containers("web").filter((c) => c.specHash === web(2).specHash).length;
  expect(afterRollback).toBe(0);

  // The new process: nothing in memory, the branch holds what the first one pushed.
  const sink = new FakeSink(time);
  sink.branch = before.writes.at(-1)?.files;
  prepare?.(sink);
  return { time, fleet, source, sink, ...operator(time, fleet, source, sink) };
}

const web2Containers = (fleet: FakeFleet): number =>
  fleet.containers("web").filter((c) => c.specHash === web(2).specHash).length;

describe("held rollouts survive an operator restart", () => {
  it("the restarted operator does not roll the rolled-back spec out again", async () => {
    const { time, fleet, sink, op, rollouts } = await rolledBackThenRestarted();
    const out = await time.run(op.runOnce());
    expect(out.plan?.held.map((h) => h.service)).toEqual(["web"]);
    expect(rollouts).toEqual([]);
    expect(web2Containers(fleet)).toBe(0);
    expect(fleet.serving("web", web(1).specHash)).toBe(3);
    expect(sink.last("status/services/web.yaml")).toContain("state: rolled-back");
    expect(sink.reads).toBe(1);
    // Read once: later passes rely on the memory.
    await time.run(op.runOnce());
    expect(sink.reads).toBe(1);
    expect(web2Containers(fleet)).toBe(0);
  });

  it("a new commit after the restart clears the hold and deploys", async () => {
    const { time, fleet, source, op } = await rolledBackThenRestarted();
    await time.run(op.runOnce());
    source.set(state(web(3)), "c3");
    const out = await time.run(op.runOnce());
    expect(out.ok).toBe(true);
    expect(fleet.serving("web", web(3).specHash)).toBe(3);
  });

  it("a spec that changed while the operator was down is not held", async () => {
    const { time, fleet, source, op } = await rolledBackThenRestarted();
    source.set(state(web(3)), "c3");
    const out = await time.run(op.runOnce());
    expect(out.plan?.held).toEqual([]);
    expect(fleet.serving("web", web(3).specHash)).toBe(3);
  });

  it("reads the status before its first write, even when the first passes have no desired state", async () => {
    const { time, fleet, sink } = await rolledBackThenRestarted();
    // A fresh source that has seen only a rejected tip so far: the first pass writes status without web.
    const source = new FakeSource(time);
    source.reject("c9", []);
    const { op, rollouts } = operator(time, fleet, source, sink);
    await time.run(op.runOnce());
    expect(sink.writes.length).toBeGreaterThan(0);
    expect(sink.last("status/services/web.yaml")).toBe("");
    source.set(state(web(2)), "c2");
    const out = await time.run(op.runOnce());
    expect(out.plan?.held.map((h) => h.service)).toEqual(["web"]);
    expect(rollouts).toEqual([]);
    expect(web2Containers(fleet)).toBe(0);
  });

  it("an unreadable status branch does not block the start: the spec is tried once more", async () => {
    const { time, fleet, sink, op, rollouts } = await rolledBackThenRestarted((s) => {
      s.readError = new Error("git-unreachable: connection refused");
    });
    await time.run(op.runOnce());
    expect(rollouts).toEqual(["rolled-back"]);
    expect(web2Containers(fleet)).toBe(0);
    expect(sink.last("status/services/web.yaml")).toContain("state: rolled-back");
  });

  it("no status branch yet: no holds", async () => {
    const { time, op, rollouts } = await rolledBackThenRestarted((s) => {
      s.branch = undefined;
    });
    await time.run(op.runOnce());
    expect(rollouts).toEqual(["rolled-back"]);
  });
});

describe("RolloutHolds.restore", () => {
  it("takes restored holds, keeps the ones it already knows, and prune drops stale ones", () => {
    const holds = new RolloutHolds();
    const known = { service: "api", specHash: "api2", phase: "paused" as const };
    expect(holds.restore([known], 5)).toEqual([known]);
    const taken = holds.restore(
      [
        { service: "api", specHash: "api9", phase: "rolled-back" },
        { service: "web", specHash: "web2", phase: "rolled-back", reason: "healthcheck failed" },
      ],
      7,
    );
    expect(taken.map((r) => r.service)).toEqual(["web"]);
    expect(holds.get("api")).toEqual({
      specHash: "api2",
      phase: "paused",
      reason: "restored from status",
      since: 5,
    });
    expect(holds.get("web")?.reason).toBe("healthcheck failed");
    holds.prune(state(web(3)));
    expect([...holds.asPlanOption()]).toEqual([]);
  });
});
