// Small readers over a Placement for assertions.

import type { Placement, ServicePlacement } from "../../src/schedule/types.js";
import type { ObservedReplica } from "../../src/model/observed.js";
import type { DesiredState } from "../../src/model/spec.js";
import { containerName } from "../../src/model/names.js";

export function servicePlacement(p: Placement, service: string): ServicePlacement {
  const sp = p.services.get(service);
  if (sp === undefined) throw new Error(`no placement for ${service}`);
  return sp;
}

/** slot → host as a plain object, for toEqual. */
export function slotsOf(p: Placement, service: string): Record<string, string> {
  return Object.fromEntries(servicePlacement(p, service).slots);
}

/** host → number of replicas of the service there. */
export function countsOf(p: Placement, service: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const h of servicePlacement(p, service).slots.values()) out[h] = (out[h] ?? 0) + 1;
  return out;
}

/** The observed replicas of a cluster that runs exactly the placement (all running, current spec). */
export function convergedReplicas(desired: DesiredState, p: Placement): ObservedReplica[] {
  const out: ObservedReplica[] = [];
  for (const spec of desired.services) {
    for (const [slot, host] of p.services.get(spec.name)?.slots ?? []) {
      out.push({
        id: `${spec.name}-${slot}-${host}`,
        name: containerName(desired.cluster.name, spec.name, slot, spec.specHash),
        host,
        service: spec.name,
        slot,
        specHash: spec.specHash,
        commit: "c0ffee",
        state: "running",
        health: spec.healthcheck !== undefined ? "healthy" : "none",
        createdAt: 1,
        restartCount: 0,
        publishedPorts: {},
      });
    }
  }
  return out;
}
