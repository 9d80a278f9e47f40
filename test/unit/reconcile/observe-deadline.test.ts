// A host that never answers costs a pass one deadline (observeTimeoutMs, 5 s
// by default), shared by the reads of every host: the others are observed
// meanwhile, and the silent host is reported as not read.

import { describe, expect, it } from "vitest";
import { desiredState, host, service } from "../../support/fixtures.js";
import { fakeOperator, fakeWorld } from "../../support/fakes/fake-operator.js";

const HOSTS = ["h1", "h2", "h3"];

describe("observing hosts under one deadline", () => {
  it("gives up on a silent host after the deadline, and reads the others", async () => {
    const w = fakeWorld(
      HOSTS,
      desiredState(
        HOSTS.map((h) => host(h)),
        [service("web", { replicas: 2 })],
      ),
    );
    const op = fakeOperator(w);
    expect((await w.time.run(op.runOnce(10))).converged).toBe(true);
    Object.assign(w.fleet.host("h2"), { observe: () => new Promise(() => undefined) });
    const t0 = w.time.now();
    const out = await w.time.run(op.reconciler.pass(new AbortController().signal));
    expect(out.ok).toBe(false);
    // Done once the deadline passed: 5 s after the reads began.
    expect(w.time.now() - t0).toBeGreaterThanOrEqual(5_000);
    expect(w.time.now() - t0).toBeLessThan(6_000);
    expect(out.status?.hosts.find((h) => h.name === "h2")?.state).toBe("unknown");
    expect(out.status?.hosts.filter((h) => h.state === "up").map((h) => h.name)).toEqual(["h1", "h3"]);
    // What was last seen on h2 is not reported as running: only the hosts read this pass.
    expect(out.status?.replicas.map((r) => r.host)).not.toContain("h2");
  });
});
