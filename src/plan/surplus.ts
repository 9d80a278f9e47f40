// Containers of a service whose slot has no host in the placement: scaled
// down, no longer eligible (global), evicted with nowhere to go, or not a slot
// of this service at all. Each reachable one is stopped and removed.

import type { ObservedReplica } from "../model/observed.js";
import type { ServiceSpec } from "../model/spec.js";
import { compareReplicas } from "../schedule/replica-order.js";
import { compareSlots, slotNumber } from "../schedule/slots.js";
import type { ServicePlacement } from "../schedule/types.js";
import type { ServiceCtx } from "./slot.js";
import { takeDown } from "./steps.js";
import type { Task } from "./types.js";

export function surplusTasks(
  sc: ServiceCtx,
  sp: ServicePlacement,
  bySlot: ReadonlyMap<string, readonly ObservedReplica[]>,
): Task[] {
  const tasks: Task[] = [];
  const unplaced = new Set(sp.unschedulable?.slots ?? []);
  const slots = [...bySlot.keys()].filter((s) => !sp.slots.has(s)).sort(compareSlots);
  for (const slot of slots) {
    const reason = surplusReason(sc.spec, slot, unplaced.has(slot), sc.moveReason(slot));
    const list = [...(bySlot.get(slot) ?? [])].sort((a, b) => compareReplicas(a, b, sc.spec.specHash));
    for (const r of list) {
      if (!sc.reachable(r.host)) continue;
      tasks.push(removalTask(sc.spec, r, reason));
    }
  }
  return tasks;
}

export function removalTask(spec: ServiceSpec | undefined, r: ObservedReplica, reason: string): Task {
  return {
    service: r.service,
    slot: r.slot,
    change: "remove",
    host: r.host,
    fromSpecHash: r.specHash,
    reason,
    steps: takeDown(spec, r, reason),
    undo: [],
  };
}

function surplusReason(
  spec: ServiceSpec,
  slot: string,
  unplaced: boolean,
  moved: string | undefined,
): string {
  if (unplaced) return `${moved ?? "it cannot stay"}; no other host can take it`;
  if (moved !== undefined) return moved;
  const n = slotNumber(slot);
  if (spec.deploy.mode === "replicated" && n !== undefined) return `scaled down to ${spec.deploy.replicas}`;
  return `not a slot of this ${spec.deploy.mode} service`;
}
