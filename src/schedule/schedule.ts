// schedule(): desired state + observed hosts and replicas → placement.
// Phase 1 keeps valid replicas where they run (all services first, so new work
// never displaces running work), phase 2 places what has no host, then stopped
// replicas leave hosts to avoid (OOM) where another host has room, phase 3
// optionally rebalances. Pure and deterministic: ties go to the host name.

import type { ObservedCluster, ObservedReplica } from "../model/observed.js";
import type { DesiredState, ServiceSpec } from "../model/spec.js";
import { avoidHosts } from "./avoid.js";
import { indexHosts, type HostIndex } from "./hosts.js";
import { keepService } from "./keep.js";
import { resolveOvercommit } from "./overcommit.js";
import { placeService } from "./place.js";
import { HostPools } from "./pools.js";
import { rebalance } from "./rebalance.js";
import { planDataMoves } from "./data-moves.js";
import {
  applyAffinity,
  noteLeftBehind,
  reportWaiting,
  volumeView,
  type VolumeView,
} from "./volume-affinity.js";
import { compareSlots } from "./slots.js";
import type { Move, Placement, ScheduleOptions, ServicePlacement } from "./types.js";
import { Usage } from "./usage.js";
import type { Ctx, ServiceWork } from "./work.js";

export const DEFAULT_REBALANCE_LIMIT = 5;

export function schedule(
  desired: DesiredState,
  observed: ObservedCluster,
  options: ScheduleOptions = {},
): Placement {
  const hosts = indexHosts(desired.cluster, observed.hosts);
  const ctx = newCtx(hosts, Usage.empty(hosts.hosts), new Map());
  const view = volumeView(observed.volumes, observed.volumesUnknown);
  const works = runPhases(ctx, desired.services, groupByService(observed.replicas), desired, options, view);
  const services = new Map<string, ServicePlacement>();
  for (const w of works) services.set(w.spec.name, toServicePlacement(w, hosts));
  return withUnschedulable(services);
}

export function newCtx(hosts: HostIndex, usage: Usage, eligibleCache: Ctx["eligibleCache"]): Ctx {
  const n = hosts.hosts.length;
  const pools = new HostPools(usage, n);
  return {
    hosts,
    usage,
    eligibleCache,
    pools,
    prefCache: new Map(),
    leafCache: new Map(),
    svcCount: new Int32Array(n),
  };
}

export function runPhases(
  ctx: Ctx,
  specs: readonly ServiceSpec[],
  byService: ReadonlyMap<string, readonly ObservedReplica[]>,
  desired: DesiredState,
  options: ScheduleOptions,
  volumes?: VolumeView,
): ServiceWork[] {
  const works = specs.map((s) => keepService(ctx, s, byService.get(s.name) ?? []));
  for (const w of works) applyAffinity(ctx, w, volumes, byService.get(w.spec.name) ?? [], desired.cluster);
  resolveOvercommit(ctx, works);
  for (const w of works) placeService(ctx, w);
  if (options.avoid !== undefined) avoidHosts(ctx, works, options.avoid);
  planDataMoves(ctx, works, desired.cluster, volumes);
  if (options.rebalance ?? desired.cluster.settings.rebalance) {
    rebalance(ctx, works, options.rebalanceLimit ?? DEFAULT_REBALANCE_LIMIT);
  }
  for (const w of works) {
    reportWaiting(w, ctx.hosts.hosts.length);
    noteLeftBehind(w, volumes, desired.cluster);
  }
  return works;
}

export function groupByService(replicas: readonly ObservedReplica[]): Map<string, ObservedReplica[]> {
  const by = new Map<string, ObservedReplica[]>();
  for (const r of replicas) {
    const list = by.get(r.service);
    if (list === undefined) by.set(r.service, [r]);
    else list.push(r);
  }
  return by;
}

export function toServicePlacement(work: ServiceWork, hosts: HostIndex): ServicePlacement {
  const slots = new Map<string, string>();
  for (let i = 0; i < work.slots.length; i++) {
    const h = work.host[i] ?? -1;
    const host = hosts.hosts[h];
    if (host !== undefined) slots.set(work.slots[i] ?? "", host.name);
  }
  const moves: Move[] = [];
  for (const [slot, m] of [...work.moves].sort((a, b) => compareSlots(a[0], b[0]))) {
    const to = slots.get(slot);
    moves.push(to === undefined ? { slot, ...m } : { slot, ...m, to });
  }
  const base = { service: work.spec.name, mode: work.spec.deploy.mode, slots, moves };
  const bound = new Map<string, string>();
  work.bound?.forEach((h, i) => h !== undefined && bound.set(work.slots[i] ?? "", h.name));
  return {
    ...base,
    ...(work.unschedulable !== undefined ? { unschedulable: work.unschedulable } : {}),
    ...(bound.size > 0 ? { bound } : {}),
    ...(work.notes !== undefined ? { notes: work.notes } : {}),
    ...(work.dataMoves !== undefined ? { dataMoves: work.dataMoves } : {}),
  };
}

export function withUnschedulable(services: ReadonlyMap<string, ServicePlacement>): Placement {
  const unschedulable = [];
  const dataMoves = [];
  for (const sp of services.values()) {
    if (sp.unschedulable !== undefined) unschedulable.push(sp.unschedulable);
    dataMoves.push(...(sp.dataMoves ?? []));
  }
  return dataMoves.length > 0 ? { services, unschedulable, dataMoves } : { services, unschedulable };
}
