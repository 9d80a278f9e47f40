// The move budget inside the reconcile loop, on fake hosts and fake time: a
// drain that wants more moves than the budget allows moves some at once,
// reports the rest as throttled, and moves them once the minute has passed.

import { describe, expect, it } from "vitest";
import type { DesiredState } from "../../../src/model/spec.js";
import { desiredState, host, service } from "../../support/fixtures.js";
import { fakeOperator, fakeWorld } from "../../support/fakes/fake-operator.js";

const HOSTS = ["h1", "h2", "h3"];

function state(drainH1: boolean, maxMovesPerMinute: number): DesiredState {
  const web = service("web", { replicas: 6, image: "web:1", specHash: "web1".padEnd(16, "0") });
  const d = desiredState(
    HOSTS.map((h) => host(h, { drain: h === "h1" && drainH1 })),
    [web],
  );
  return { ...d, cluster: { ...d.cluster, settings: { ...d.cluster.settings, maxMovesPerMinute } } };
}

describe("reconciler: flap protection", () => {
  it("moves at most the budget per minute, reports the rest as throttled, then moves them", async () => {
    const w = fakeWorld(HOSTS, state(false, 1));
    const { time, fleet, source, sink } = w;
    const op = fakeOperator(w);
    const onH1 = (): number =>
      [...fleet.host("h1").containers.values()].filter((c) => c.state === "running").length;
    expect((await time.run(op.runOnce())).converged).toBe(true);
    expect(onH1()).toBe(2);

    source.set(state(true, 1), "c2");
    const first = await time.run(op.runOnce());
    expect(first.converged).toBe(false);
    expect(onH1()).toBe(1);
    expect(fleet.serving("web")).toBe(6);
    expect(sink.last("status/cluster.yaml")).toContain("moves throttled: 1 deferred, at most 1 per minute");
    // The pass asks to come back when the budget has room again, not at once.
    expect(first.followUpMs).toBeGreaterThan(0);
    expect(first.followUpMs).toBeLessThanOrEqual(60_000);

    await time.run(time.sleep(first.followUpMs ?? 0));
    const later = await time.run(op.runOnce());
    expect(later.converged).toBe(true);
    expect(onH1()).toBe(0);
    expect(fleet.serving("web")).toBe(6);
  });
});
