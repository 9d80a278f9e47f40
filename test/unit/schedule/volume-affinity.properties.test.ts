// Property: over random clusters, specs and observed states (hosts down, on
// probation, draining, short of room; rebalancing on or off), a slot whose
// volume is on a host is placed on that host or waits for it, never elsewhere,
// and nothing moves data unless a host asks for it.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ObservedVolume } from "../../../src/model/observed.js";
import type { DesiredState } from "../../../src/model/spec.js";
import { schedule } from "../../../src/schedule/index.js";
import {
  buildDesired,
  buildHosts,
  buildObserved,
  propertyBudget,
  scenarioArb,
} from "../../support/arbitraries.js";
import { observedVolume } from "../../support/fixtures.js";

const { runs: RUNS, timeout: TIMEOUT } = propertyBudget(250, 60_000);

/** Every service mounts the host-local volume "data". */
function stateful(d: DesiredState): DesiredState {
  const services = d.services.map((s) => ({
    ...s,
    volumes: [{ type: "volume" as const, source: "data", target: "/data", readOnly: false }],
  }));
  return { ...d, services };
}

describe("volume affinity (property)", () => {
  it(
    "places a bound slot on the host holding its volume or lets it wait, never elsewhere",
    () => {
      fc.assert(
        fc.property(
          scenarioArb,
          fc.boolean(),
          fc.integer({ min: 0, max: 255 }),
          ({ shape, seeds }, rebalance, keep) => {
            const desired = stateful(buildDesired(shape, { rebalance }));
            const observed = buildObserved(desired, buildHosts(shape), seeds);
            // The first container seen per slot left its volume there (some slots' volumes only).
            const holder = new Map<string, string>();
            const volumes: ObservedVolume[] = [];
            observed.replicas.forEach((r, i) => {
              const key = `${r.service}/${r.slot}`;
              if (holder.has(key) || ((keep >> (i % 8)) & 1) === 0) return;
              holder.set(key, r.host);
              volumes.push(observedVolume(r.host, "data", { service: r.service, slot: r.slot }));
            });
            const placement = schedule(desired, { ...observed, volumes });
            expect(placement.dataMoves).toBeUndefined();
            for (const spec of desired.services) {
              if (spec.deploy.mode === "global") continue;
              const sp = placement.services.get(spec.name);
              for (const [key, h] of holder) {
                const [service, slot = ""] = key.split("/");
                const n = Number(slot);
                if (service !== spec.name || !Number.isInteger(n) || n < 1 || n > spec.deploy.replicas)
                  continue;
                const placed = sp?.slots.get(slot);
                if (placed === undefined) expect(sp?.unschedulable?.slots).toContain(slot);
                else expect(placed).toBe(h);
                expect(sp?.moves.some((m) => m.slot === slot)).toBe(false);
              }
            }
          },
        ),
        RUNS,
      );
    },
    TIMEOUT,
  );
});
