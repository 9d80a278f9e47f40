// A pass has each host's driver start what every create there needs (the
// cluster network) before it observes the hosts, so a cold start's first
// create does not wait for it after observe and decide (issue 13). The
// driver does it once (see the Docker driver's integration test); a refusal
// (the leader gate's) does not fail the pass.

import { describe, expect, it } from "vitest";
import { desiredState, host, service } from "../../support/fixtures.js";
import { fakeOperator, fakeWorld } from "../../support/fakes/fake-operator.js";

const HOSTS = ["h1", "h2"];

function world() {
  const w = fakeWorld(
    HOSTS,
    desiredState(
      HOSTS.map((h) => host(h)),
      [service("web", { replicas: 4 })],
    ),
  );
  return { op: fakeOperator(w), time: w.time, fleet: w.fleet };
}

describe("a pass prepares the hosts", () => {
  it("asks every host's driver before observing it, so before any create there", async () => {
    const w = world();
    const asked: { host: string; opsBefore: number }[] = [];
    for (const h of HOSTS)
      Object.assign(w.fleet.host(h), {
        prepare: () => void asked.push({ host: h, opsBefore: w.fleet.ops.length }),
      });
    const out = await w.time.run(w.op.runOnce(10));
    expect(out.converged).toBe(true);
    const first = asked.slice(0, HOSTS.length);
    expect(first.map((a) => a.host).sort()).toEqual(HOSTS);
    // Before the pass made any call to a host (its observe and creates come after).
    expect(first.every((a) => a.opsBefore === 0)).toBe(true);
    for (const h of HOSTS)
      expect(w.fleet.ops.filter((o) => o.host === h && o.op === "create")).toHaveLength(2);
  });

  it("goes on when a driver refuses (the leader gate)", async () => {
    const w = world();
    Object.assign(w.fleet.host("h1"), {
      prepare: () => {
        throw new Error("not the leader (any more): prepare on h1 not done");
      },
    });
    const out = await w.time.run(w.op.runOnce(10));
    expect(out.converged).toBe(true);
    expect(w.fleet.containers("web")).toHaveLength(4);
  });
});
