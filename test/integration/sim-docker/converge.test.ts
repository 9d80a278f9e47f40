// The simulated Docker engine answers every call the real operator makes: a
// short run of the operator (production wiring, local Git source) against
// three simulated hosts converges, places every replica, takes the cluster
// lock, follows a one-service change, and never hits an unsimulated route.
// Keeps bench/fleet-scale.bench.ts honest: if the adapter starts using a new
// Engine API call, this fails with the route's name.

import { afterEach, describe, expect, it } from "vitest";
import type { PassOutcome } from "../../../src/reconcile/reconciler.js";
import { SimDockerEngine } from "../../support/sim-docker/server.js";
import { SIM_CLUSTER, SimFleet } from "../../support/sim-docker/fleet.js";

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

/** The next pass that finds the fleet converged (on `commit`, when given). */
function nextConverged(fleet: SimFleet, commit?: string): Promise<PassOutcome> {
  return fleet.nextPass(
    (o) => o.converged && (commit === undefined || o.snapshot?.desired?.commit === commit),
  );
}

describe("simulated Docker engine", () => {
  it("serves the real operator: three hosts converge, then follow a change", async () => {
    const engine = await SimDockerEngine.start(3);
    open.push(engine);
    const fleet = await SimFleet.create({
      endpoints: engine.hosts.map((h) => h.docker),
      services: 2,
      replicasPerService: 3,
      // Not a failover test: a heartbeat starved of CPU must not move replicas.
      hostDownAfter: "60s",
    });
    open.push(fleet);
    const converged = nextConverged(fleet);
    await fleet.operator.start();
    const first = await converged;
    expect(first.ok).toBe(true);

    const replicas = engine.hosts.flatMap((h) =>
      h.host.list(true, [`gitfleet.cluster=${SIM_CLUSTER}`]).filter((c) => c["State"] === "running"),
    );
    // 2 services × 3 replicas, spread one per host and service.
    expect(replicas.filter((c) => (c["Labels"] as Record<string, string>)["gitfleet.service"])).toHaveLength(
      6,
    );
    for (const h of engine.hosts) {
      const services = h.host
        .list(true, [`gitfleet.cluster=${SIM_CLUSTER}`])
        .map((c) => (c["Labels"] as Record<string, string>)["gitfleet.service"])
        .filter((s) => s !== undefined)
        .sort();
      expect(services).toEqual(["s1", "s2"]);
    }
    // The cluster lock lives on a host as a container with its lease file.
    expect(engine.hosts.some((h) => h.host.find(`gf-${SIM_CLUSTER}-lock`)?.archives.size === 1)).toBe(true);

    await fleet.changeService("s1", 2);
    const head = (await import("../../support/git-fixtures.js")).gitCli;
    const commit = (await head(fleet.repo, ["rev-parse", "HEAD"])).trim();
    const changed = nextConverged(fleet, commit);
    fleet.operator.markDue("test: commit");
    expect((await changed).ok).toBe(true);
    const images = engine.hosts.flatMap((h) =>
      h.host.list(false, ["gitfleet.service=s1"]).map((c) => c["Image"]),
    );
    expect(images).toEqual(["registry.invalid/s1:2", "registry.invalid/s1:2", "registry.invalid/s1:2"]);
    expect(engine.hosts.every((h) => (h.host.calls.get("ping") ?? 0) > 0)).toBe(true);
    expect([...engine.unknown.keys()]).toEqual([]);
  });
});
