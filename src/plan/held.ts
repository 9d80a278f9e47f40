// A held service (its rollout to the desired spec paused or rolled back) is
// not rolled out again, but it is never left without failover and healing:
// each slot keeps the last spec that was healthy there. A slot whose replica
// runs the new spec fine keeps it; any other slot is planned against the spec
// of its best replica of an older spec (the one the rollout did not reach, or
// rolled back to), else the service's most common older spec. With that spec a
// lost replica is moved off a down host, a failed one is replaced, a new slot
// is created, exactly as for a service that is not held; only live replicas
// are never updated or moved (that would be the rollout again). Nomad and
// Kubernetes, too, reschedule from a lost node whatever the deployment's state.
//
// Older specs come from the controller's memory (PlanOptions.specOf). When it
// does not know a slot's spec (after an operator restart), the slot's best
// stopped container is started again in place, as restart_policy allows.

import { isLive, type ObservedReplica } from "../model/observed.js";
import type { ServiceSpec } from "../model/spec.js";
import { healthRank } from "../schedule/replica-order.js";
import { compareSlots } from "../schedule/slots.js";
import type { ServicePlacement } from "../schedule/types.js";
import { restartAllowed } from "./restart.js";
import type { ServiceTasks } from "./rollout.js";
import { planSlot, type ServiceCtx, type SlotOutcome } from "./slot.js";
import { refOf, short, waitStep } from "./steps.js";
import type { RemoveStep, Task } from "./types.js";

export type SpecOf = (service: string, specHash: string) => ServiceSpec | undefined;

export interface HeldTasks extends ServiceTasks {
  /** The older spec the service falls back to (absent when none is known). */
  readonly lastHealthy?: string;
}

export function planHeld(
  sc: ServiceCtx,
  sp: ServicePlacement,
  bySlot: ReadonlyMap<string, readonly ObservedReplica[]>,
  specOf: SpecOf,
  admit: (out: SlotOutcome) => boolean,
): HeldTasks {
  const heldHash = sc.spec.specHash;
  const fallback = lastHealthySpec(sc.spec.name, heldHash, bySlot, specOf);
  const immediate: Task[] = [];
  const cleanup: RemoveStep[] = [];
  for (const slot of [...new Set([...sp.slots.keys()])].sort(compareSlots)) {
    const host = sp.slots.get(slot);
    // Failed containers of the held spec stay for inspection; the slot is planned without them.
    const cands = (bySlot.get(slot) ?? []).filter((r) => r.specHash !== heldHash || isLive(r));
    const target = slotSpec(sc.spec, cands, fallback, specOf);
    if (target === undefined || host === undefined) {
      const t = startInPlace(sc, slot, bySlot.get(slot) ?? [], heldHash);
      if (t !== undefined) immediate.push(t);
      continue;
    }
    const out = planSlot({ ...sc, spec: target }, slot, host, cands);
    // A live replica is not updated or moved while held: that would be the rollout again.
    if (out === undefined || out.rolling || !admit(out)) continue;
    immediate.push(
      target === sc.spec
        ? out.task
        : { ...out.task, reason: `${out.task.reason} (held: last healthy spec ${short(target.specHash)})` },
    );
    cleanup.push(...out.cleanup);
  }
  return {
    immediate,
    rolling: [],
    cleanup,
    ...(fallback !== undefined ? { lastHealthy: fallback.specHash } : {}),
  };
}

/**
 * The spec a held slot keeps: the desired one where a replica of it runs fine, else that of the
 * slot's best replica of an older spec, else the service's fallback.
 */
function slotSpec(
  desired: ServiceSpec,
  cands: readonly ObservedReplica[],
  fallback: ServiceSpec | undefined,
  specOf: SpecOf,
): ServiceSpec | undefined {
  if (cands.some((r) => r.specHash === desired.specHash && r.state === "running" && r.health !== "unhealthy"))
    return desired;
  const older = cands.filter((r) => r.specHash !== desired.specHash).sort(byHealthThenNewest);
  for (const r of older) {
    const s = specOf(desired.name, r.specHash);
    if (s !== undefined) return s;
  }
  return fallback;
}

/** The older spec most live replicas run (ties: the newest container's), if known. */
function lastHealthySpec(
  service: string,
  heldHash: string,
  bySlot: ReadonlyMap<string, readonly ObservedReplica[]>,
  specOf: SpecOf,
): ServiceSpec | undefined {
  const count = new Map<string, { n: number; newest: number }>();
  for (const list of bySlot.values()) {
    for (const r of list) {
      if (r.specHash === heldHash) continue;
      const c = count.get(r.specHash) ?? { n: 0, newest: 0 };
      count.set(r.specHash, { n: c.n + (isLive(r) ? 1 : 0), newest: Math.max(c.newest, r.createdAt) });
    }
  }
  const ranked = [...count].sort(
    (a, b) => b[1].n - a[1].n || b[1].newest - a[1].newest || (a[0] < b[0] ? -1 : 1),
  );
  for (const [hash] of ranked) {
    const s = specOf(service, hash);
    if (s !== undefined) return s;
  }
  return undefined;
}

/** Without a known spec: start the slot's best stopped container again (older specs first). */
function startInPlace(
  sc: ServiceCtx,
  slot: string,
  list: readonly ObservedReplica[],
  heldHash: string,
): Task | undefined {
  if (list.some(isLive) || sc.restartHeld(slot)) return undefined;
  const r = list
    .filter((c) => sc.reachable(c.host) && (c.state === "exited" || c.state === "created"))
    .sort(
      (a, b) => Number(a.specHash === heldHash) - Number(b.specHash === heldHash) || byHealthThenNewest(a, b),
    )[0];
  if (r === undefined || (r.state === "exited" && !restartAllowed(sc.spec.deploy.restartPolicy, r)))
    return undefined;
  const ref = refOf(r);
  return {
    service: sc.spec.name,
    slot,
    change: "restart",
    host: r.host,
    specHash: r.specHash,
    reason: `held service: ${r.state === "created" ? "start" : "restart"} ${r.name}`,
    ...(r.stoppedByOperator === true ? { operatorCaused: true as const } : {}),
    steps: [
      { kind: "start", host: r.host, container: ref, reason: "restart (service held)" },
      waitStep(sc.spec, r.host, ref, 0),
    ],
    undo: [],
  };
}

function byHealthThenNewest(a: ObservedReplica, b: ObservedReplica): number {
  return healthRank(a) - healthRank(b) || b.createdAt - a.createdAt;
}
