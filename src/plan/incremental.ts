// planIncremental(): the same plan as plan() for a cluster that changed a
// little. A service the last plan found quiet (every slot held by one settled
// container on its host, nothing else) is not looked at again while its spec
// hash, its slots and its containers are as they were: its plan is empty
// again by construction. Every other service is planned as plan() does, with
// the same code. Holds and backoffs (PlanOptions) act only on services that
// have something to do, so they never make a quiet service's plan non-empty;
// a held service is always planned.

import { sameReplicas, type ObservedCluster } from "../model/observed.js";
import type { DesiredState } from "../model/spec.js";
import type { Placement } from "../schedule/types.js";
import { planServices, type QuietService } from "./plan.js";
import type { Plan, PlanOptions } from "./types.js";

/** Opaque state carried from one plan to the next. */
export interface PlanMemo {
  readonly quiet: ReadonlyMap<string, QuietService>;
}

export function planIncremental(
  memo: PlanMemo | undefined,
  desired: DesiredState,
  placement: Placement,
  observed: ObservedCluster,
  options: PlanOptions = {},
): { readonly plan: Plan; readonly memo: PlanMemo } {
  const out = planServices(desired, placement, observed, options, (spec, sp, replicas) => {
    const q = memo?.quiet.get(spec.name);
    return (
      q !== undefined &&
      q.specHash === spec.specHash &&
      sameSlots(q.slots, sp.slots) &&
      sameReplicas(q.replicas, replicas)
    );
  });
  return { plan: out.plan, memo: { quiet: out.quiet } };
}

function sameSlots(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const [slot, host] of a) if (b.get(slot) !== host) return false;
  return true;
}
