// Phase 1: every slot that has a replica on a host that is still valid keeps
// it there (stability), before any new replica is placed, so that new work never
// pushes out running work. Replicas on hosts that are down, draining, gone or
// no longer matching a constraint lose their host and are recorded as moves.

import type { ObservedReplica } from "../model/observed.js";
import type { ServiceSpec } from "../model/spec.js";
import { portHolder, staticReject } from "./filters.js";
import { compareNames, type HostInfo } from "./hosts.js";
import { failingConstraint } from "./constraints.js";
import { constraintRaw, moveReason } from "./reasons.js";
import { compareReplicas } from "./replica-order.js";
import { compareSlots, replicatedSlots } from "./slots.js";
import type { MoveCode } from "./types.js";
import { hostPortKeys } from "./usage.js";
import { assign, type Ctx, type ServiceWork } from "./work.js";

/** Why existing replicas of spec may not stay on host (eviction, constraint); undefined = may stay. */
function stayReject(host: HostInfo, spec: ServiceSpec): { code: MoveCode; extra?: string } | undefined {
  if (host.evict !== undefined) return { code: host.evict };
  const c = failingConstraint(host, spec.deploy.placement.constraints);
  return c === undefined ? undefined : { code: "constraint", extra: constraintRaw(c) };
}

function groupBySlot(replicas: readonly ObservedReplica[]): Map<string, ObservedReplica[]> {
  const bySlot = new Map<string, ObservedReplica[]>();
  for (const r of replicas) {
    if (r.state === "removing") continue;
    const list = bySlot.get(r.slot);
    if (list === undefined) bySlot.set(r.slot, [r]);
    else list.push(r);
  }
  return bySlot;
}

function globalSlots(ctx: Ctx, spec: ServiceSpec, bySlot: ReadonlyMap<string, ObservedReplica[]>): string[] {
  const names = new Set<string>();
  for (const host of ctx.hosts.hosts) if (staticReject(host, spec) === undefined) names.add(host.name);
  for (const [slot, list] of bySlot) {
    const host = ctx.hosts.byName.get(slot);
    if (host !== undefined && stayReject(host, spec) === undefined && list.some((r) => r.host === slot)) {
      names.add(slot);
    }
  }
  return [...names].sort(compareNames);
}

/** Builds the work item for one service and keeps what may stay (port clashes resolved first come). */
export function keepService(ctx: Ctx, spec: ServiceSpec, replicas: readonly ObservedReplica[]): ServiceWork {
  const bySlot = groupBySlot(replicas);
  const global = spec.deploy.mode === "global";
  const slots = global ? globalSlots(ctx, spec, bySlot) : replicatedSlots(spec.deploy.replicas);
  const work: ServiceWork = {
    spec,
    ports: hostPortKeys(spec),
    slots,
    host: new Int32Array(slots.length).fill(-1),
    anchor: new Array<ObservedReplica | undefined>(slots.length).fill(undefined),
    moves: new Map(),
  };
  const touched: number[] = [];
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i] ?? "";
    let cands = bySlot.get(slot);
    if (cands === undefined) continue;
    if (global) cands = cands.filter((r) => r.host === slot);
    if (cands.length > 1) cands = [...cands].sort((a, b) => compareReplicas(a, b, spec.specHash));
    const move = keepSlot(ctx, work, i, cands, touched);
    if (move !== undefined) {
      work.moves.set(slot, {
        from: move.from,
        code: move.code,
        reason: moveReason(move.code, move.from, move.extra),
      });
    }
  }
  if (global) recordGlobalLeavers(ctx, spec, bySlot, work);
  for (const h of touched) ctx.svcCount[h] = 0;
  return work;
}

interface Leave {
  readonly from: string;
  readonly code: MoveCode;
  readonly extra?: string;
}

/**
 * Keeps the best candidate (best first) whose host may hold it; otherwise says
 * why the best one must leave. Ports and max_replicas_per_node are first come,
 * first served, in service and slot order.
 */
function keepSlot(
  ctx: Ctx,
  work: ServiceWork,
  i: number,
  cands: readonly ObservedReplica[],
  touched: number[],
): Leave | undefined {
  const max = work.spec.deploy.placement.maxReplicasPerNode;
  let first: Leave | undefined;
  for (const r of cands) {
    const host = ctx.hosts.byName.get(r.host);
    const reject =
      host === undefined ? { code: "host-not-in-cluster" as const } : stayReject(host, work.spec);
    if (host === undefined || reject !== undefined) {
      first ??= { from: r.host, ...(reject ?? { code: "host-not-in-cluster" }) };
      continue;
    }
    const h = host.index;
    const port = ctx.usage.portTaken(h, work.ports);
    if (max > 0 && (ctx.svcCount[h] ?? 0) >= max) {
      first ??= { from: r.host, code: "max-replicas-per-node" };
    } else if (port !== undefined) {
      first ??= { from: r.host, code: "port-in-use", extra: portHolder(ctx, h, port) };
    } else {
      assign(ctx, work, i, h);
      work.anchor[i] = r;
      if ((ctx.svcCount[h] = (ctx.svcCount[h] ?? 0) + 1) === 1) touched.push(h);
      return undefined;
    }
  }
  return first;
}

/** Global replicas on hosts that are no longer slots: they leave without a new host. */
function recordGlobalLeavers(
  ctx: Ctx,
  spec: ServiceSpec,
  bySlot: ReadonlyMap<string, ObservedReplica[]>,
  work: ServiceWork,
): void {
  const desired = new Set(work.slots);
  const leaving = [...bySlot.keys()].filter((s) => !desired.has(s)).sort(compareSlots);
  for (const slot of leaving) {
    const host = ctx.hosts.byName.get(slot);
    if (host === undefined) continue; // not a host name, or a host nobody knows: surplus for the planner
    const reject = stayReject(host, spec);
    if (reject === undefined) continue;
    work.moves.set(slot, {
      from: slot,
      code: reject.code,
      reason: moveReason(reject.code, slot, reject.extra),
    });
  }
}
