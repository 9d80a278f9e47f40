// plan(): desired state + placement + observed containers → the ordered steps
// that converge. Pure: the clock-dependent parts of restart_policy and the
// memory of failed rollouts arrive through PlanOptions. A converged cluster
// yields an empty plan.

import type { ObservedCluster, ObservedHost, ObservedReplica } from "../model/observed.js";
import { slotKey } from "../model/names.js";
import type { DesiredState, ServiceSpec } from "../model/spec.js";
import type { Placement, ServicePlacement } from "../schedule/types.js";
import { compareSlots } from "../schedule/slots.js";
import { planHeld } from "./held.js";
import { orderRollouts } from "./order.js";
import { buildRollout, type ServiceTasks } from "./rollout.js";
import { planSlot, type ServiceCtx, type SlotOutcome } from "./slot.js";
import { removalTask, surplusTasks } from "./surplus.js";
import type { HeldService, Plan, PlanOptions, RemoveStep, Rollout, Task, WaitingSlot } from "./types.js";

export function plan(
  desired: DesiredState,
  placement: Placement,
  observed: ObservedCluster,
  options: PlanOptions = {},
): Plan {
  return planServices(desired, placement, observed, options).plan;
}

/**
 * A service that needed nothing: every slot held by one settled container on
 * its host, no other container. Its plan stays empty while its spec hash, its
 * slots and its containers stay as they were (see incremental.ts).
 */
export interface QuietService {
  readonly specHash: string;
  readonly slots: ReadonlyMap<string, string>;
  readonly replicas: readonly ObservedReplica[];
}

export interface ServicesPlan {
  readonly plan: Plan;
  /** The services found quiet by this plan, with what they were found quiet on. */
  readonly quiet: ReadonlyMap<string, QuietService>;
}

/** plan(), skipping the services `skip` says are still quiet (their plan would be empty). */
// eslint-disable-next-line max-lines-per-function -- the per-service loop that sorts each service into rollout, held, waiting or quiet
export function planServices(
  desired: DesiredState,
  placement: Placement,
  observed: ObservedCluster,
  options: PlanOptions,
  skip?: (spec: ServiceSpec, sp: ServicePlacement, replicas: readonly ObservedReplica[]) => boolean,
): ServicesPlan {
  const hosts = new Map<string, ObservedHost>(observed.hosts.map((h) => [h.name, h]));
  const reachable = (h: string): boolean => hosts.get(h)?.state === "up";
  const byService = groupByService(observed.replicas);
  const rollouts: Rollout[] = [];
  const held: HeldService[] = [];
  const waiting: WaitingSlot[] = [];
  const quiet = new Map<string, QuietService>();
  const holdRestart = options.holdRestart;
  for (const spec of desired.services) {
    const sp = placement.services.get(spec.name);
    if (sp === undefined) continue;
    const replicas = byService.get(spec.name) ?? NONE;
    const heldHash = options.hold?.get(spec.name);
    if (heldHash !== spec.specHash && skip?.(spec, sp, replicas) === true) {
      quiet.set(spec.name, { specHash: spec.specHash, slots: sp.slots, replicas });
      continue;
    }
    const bySlot = groupBySlot(replicas);
    const sc: ServiceCtx = {
      cluster: desired.cluster.name,
      spec,
      reachable,
      restartHeld: (slot) => holdRestart?.has(slotKey(spec.name, slot)) ?? false,
      moveReason: moveReasons(sp),
    };
    const admit = waitForPull(spec.name, options.pullWaiting, waiting);
    let tasks: ServiceTasks;
    if (heldHash === spec.specHash) {
      const h = planHeld(sc, sp, bySlot, options.specOf ?? (() => undefined), admit);
      tasks = h;
      held.push({
        service: spec.name,
        specHash: spec.specHash,
        reason:
          h.lastHealthy === undefined
            ? "its rollout failed; waiting for a new spec"
            : `its rollout failed; waiting for a new spec (failover and healing use the last healthy spec ${h.lastHealthy.slice(0, 8)})`,
        ...(h.lastHealthy !== undefined ? { lastHealthy: h.lastHealthy } : {}),
      });
    } else {
      const t = serviceTasks(sc, sp, bySlot, admit);
      if (t.quiet) quiet.set(spec.name, { specHash: spec.specHash, slots: sp.slots, replicas });
      tasks = t;
    }
    const r = buildRollout(spec.name, spec, tasks, hosts);
    if (r !== undefined) rollouts.push(r);
  }
  const names = new Set(desired.services.map((s) => s.name));
  const gone = [...byService.keys()].filter((n) => !names.has(n));
  return {
    plan: {
      rollouts: [...orderRollouts(rollouts), ...pruned(gone, byService, reachable, hosts)],
      held,
      ...(waiting.length > 0 ? { waiting } : {}),
    },
    quiet,
  };
}

/** A filter of slot outcomes: one that creates a container whose image pull is backed off waits. */
function waitForPull(
  service: string,
  pullWaiting: PlanOptions["pullWaiting"],
  waiting: WaitingSlot[],
): (out: SlotOutcome) => boolean {
  if (pullWaiting === undefined) return () => true;
  return (out) => {
    for (const s of out.task.steps) {
      if (s.kind !== "create" || !pullWaiting(s.host, s.image)) continue;
      waiting.push({
        service,
        slot: out.task.slot,
        host: s.host,
        image: s.image,
        reason: "image-pull-failed",
      });
      return false;
    }
    return true;
  };
}

function serviceTasks(
  sc: ServiceCtx,
  sp: ServicePlacement,
  bySlot: ReadonlyMap<string, readonly ObservedReplica[]>,
  admit: (out: SlotOutcome) => boolean,
): ServiceTasks & { readonly quiet: boolean } {
  const immediate: Task[] = [];
  const rolling: Task[] = [];
  const cleanup: RemoveStep[] = [];
  let matched = 0;
  let quiet = true;
  for (const [slot, host] of sp.slots) {
    const cands = bySlot.get(slot);
    if (cands !== undefined) matched++;
    if (cands?.length === 1 && settled(cands[0], host, sc.spec.specHash)) continue; // the common case
    quiet = false;
    const out = planSlot(sc, slot, host, cands ?? []);
    if (out === undefined || !admit(out)) continue;
    (out.rolling ? rolling : immediate).push(out.task);
    cleanup.push(...out.cleanup);
  }
  if (matched < bySlot.size) {
    quiet = false;
    immediate.push(...surplusTasks(sc, sp, bySlot));
  }
  return { immediate, rolling, cleanup, quiet };
}

/** The slot's only container runs the current spec on its host and is not unhealthy. */
function settled(r: ObservedReplica | undefined, host: string, specHash: string): boolean {
  return (
    r !== undefined &&
    r.host === host &&
    r.specHash === specHash &&
    r.state === "running" &&
    r.health !== "unhealthy"
  );
}

/** Services with containers but no longer in the desired state: remove them (after everything else). */
function pruned(
  gone: readonly string[],
  byService: ReadonlyMap<string, readonly ObservedReplica[]>,
  reachable: (h: string) => boolean,
  hosts: ReadonlyMap<string, ObservedHost>,
): Rollout[] {
  const out: Rollout[] = [];
  for (const name of [...gone].sort()) {
    const tasks: Task[] = [];
    for (const list of groupBySlot(byService.get(name) ?? NONE).values()) {
      for (const r of list)
        if (reachable(r.host)) tasks.push(removalTask(undefined, r, "service no longer in the repository"));
    }
    tasks.sort((a, b) => compareSlots(a.slot, b.slot) || byText(a.host, b.host) || byText(idOf(a), idOf(b)));
    const r = buildRollout(name, undefined, { immediate: tasks, rolling: [], cleanup: [] }, hosts);
    if (r !== undefined) out.push(r);
  }
  return out;
}

const NONE: readonly ObservedReplica[] = [];

function groupByService(replicas: readonly ObservedReplica[]): Map<string, ObservedReplica[]> {
  const out = new Map<string, ObservedReplica[]>();
  for (const r of replicas) {
    const list = out.get(r.service);
    if (list === undefined) out.set(r.service, [r]);
    else list.push(r);
  }
  return out;
}

/** A service's containers by slot; those being removed hold no slot. */
function groupBySlot(replicas: readonly ObservedReplica[]): Map<string, ObservedReplica[]> {
  const out = new Map<string, ObservedReplica[]>();
  for (const r of replicas) {
    if (r.state === "removing") continue;
    const list = out.get(r.slot);
    if (list === undefined) out.set(r.slot, [r]);
    else list.push(r);
  }
  return out;
}

function moveReasons(sp: ServicePlacement): (slot: string) => string | undefined {
  if (sp.moves.length === 0) return () => undefined;
  const m = new Map(sp.moves.map((mv) => [mv.slot, mv.reason]));
  return (slot) => m.get(slot);
}

function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function idOf(t: Task): string {
  const s = t.steps[t.steps.length - 1];
  return s?.kind === "remove" ? (s.container.id ?? s.container.name) : "";
}
