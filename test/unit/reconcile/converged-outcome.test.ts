// A pass that could not place every replica is not "converged": `gitfleet run
// --once` exits non-zero and the log says "pass done", whether the replicas
// wait for memory or every host is down. Green only when the fleet is as the
// commit says.

import { describe, expect, it } from "vitest";
import { desiredState, host, service } from "../../support/fixtures.js";
import { fakeOperator, fakeWorld } from "../../support/fakes/fake-operator.js";

const HOSTS = ["h1", "h2"];

function world(o: { constraints?: readonly string[] } = {}) {
  const w = fakeWorld(
    HOSTS,
    desiredState(
      HOSTS.map((h) => host(h)),
      [service("web", { replicas: 2, ...(o.constraints ? { constraints: o.constraints } : {}) })],
    ),
  );
  return { op: fakeOperator(w), time: w.time, fleet: w.fleet };
}

describe("pass outcome: converged", () => {
  it("is converged once every replica runs", async () => {
    const w = world();
    const out = await w.time.run(w.op.runOnce(10));
    expect(out.converged).toBe(true);
    expect(w.fleet.ops.filter((x) => x.op === "create")).toHaveLength(2);
  });

  it("is not converged while replicas cannot be placed", async () => {
    const w = world({ constraints: ["node.labels.zone == nowhere"] });
    const out = await w.time.run(w.op.runOnce(10));
    expect(w.fleet.ops.filter((x) => x.op === "create")).toEqual([]);
    expect(out.ok).toBe(true);
    expect(out.converged).toBe(false);
  });
});
