// scheduleIncremental(): the same decisions as schedule() for a cluster that
// changed a little, in time proportional to what changed. It keeps the previous
// pass's per-host usage and per-service results, subtracts what the changed
// services held and schedules only those again. A change of hosts (state,
// labels, capacity), of the set of services or of options (hosts to avoid too),
// and rebalancing, fall back to a full pass.
//
// Services are "changed" when their spec or their observed replicas differ,
// or when their last placement was not yet where their replicas run (slots
// placed but not created, moves, unschedulable slots): such a service's slots
// compete for hosts with the changed ones, in service order, as in a full pass.
// The others are kept entirely where they run by phase 1 of schedule(), so the
// result is schedule()'s. One case needs the whole cluster: a host over
// capacity after phase 1 evicts from any service, so when the changed services
// meet one, the pass is done again in full.
//
// Cheapest when the caller passes unchanged specs and an unchanged replica
// list by reference (objects are then compared by identity, not by content).

import { sameReplicas, type ObservedCluster, type ObservedReplica } from "../model/observed.js";
import type { ClusterSpec, DesiredState, ServiceSpec } from "../model/spec.js";
import { indexHosts, sameHosts, type HostIndex } from "./hosts.js";
import { groupByService, newCtx, runPhases, toServicePlacement, withUnschedulable } from "./schedule.js";
import { sameSchedulingSpec } from "./same-spec.js";
import { volumeView } from "./volume-affinity.js";
import type { Placement, ScheduleOptions, ServicePlacement } from "./types.js";
import { hostPortKeys, Usage } from "./usage.js";
import type { Ctx, ServiceWork } from "./work.js";

/** Opaque state carried from one pass to the next. */
export interface ScheduleState {
  readonly placement: Placement;
  readonly hosts: HostIndex;
  readonly usage: Usage;
  readonly eligibleCache: Ctx["eligibleCache"];
  /** desired.services of the pass, and per index the replicas seen and host per slot. */
  readonly specs: readonly ServiceSpec[];
  readonly replicas: readonly (readonly ObservedReplica[])[];
  readonly hostIdx: readonly Int32Array[];
  /** Per index: every slot kept where its replica runs, nothing moved or left unplaced. */
  readonly settled: readonly boolean[];
  readonly clusterRef: ClusterSpec;
  readonly hostsRef: ObservedCluster["hosts"];
  readonly replicasRef: ObservedCluster["replicas"];
  readonly byService: ReadonlyMap<string, readonly ObservedReplica[]>;
  readonly rebalance: boolean;
  readonly rebalanceLimit: number | undefined;
  /** The pass had hosts to avoid: those change with time, so the next pass is a full one. */
  readonly avoided: boolean;
}

const EMPTY: readonly ObservedReplica[] = [];
/** Beyond this share of changed services a full pass is as cheap and simpler. */
const FULL_PASS_SHARE = 0.25;

// eslint-disable-next-line max-lines-per-function -- when a partial schedule is safe and how it is merged: the conditions belong together
export function scheduleIncremental(
  prev: ScheduleState | undefined,
  desired: DesiredState,
  observed: ObservedCluster,
  options: ScheduleOptions = {},
): ScheduleState {
  const rebalance = options.rebalance ?? desired.cluster.settings.rebalance;
  const sameRefs =
    prev !== undefined && prev.clusterRef === desired.cluster && prev.hostsRef === observed.hosts;
  const hosts = sameRefs ? prev.hosts : indexHosts(desired.cluster, observed.hosts);
  const replicasSame = prev !== undefined && prev.replicasRef === observed.replicas;
  const byService = replicasSame ? prev.byService : groupByService(observed.replicas);
  if (
    prev === undefined ||
    // Rebalancing moves replicas of services that did not change: only a full pass sees them.
    rebalance ||
    prev.rebalance !== rebalance ||
    prev.rebalanceLimit !== options.rebalanceLimit ||
    prev.avoided ||
    // Volumes bind replicas to hosts: their changes are not tracked per service, so schedule everything.
    (observed.volumes?.length ?? 0) > 0 ||
    (observed.volumesUnknown?.length ?? 0) > 0 ||
    (options.avoid?.size ?? 0) > 0 ||
    prev.specs.length !== desired.services.length ||
    (!sameRefs && !sameHosts(prev.hosts, hosts))
  ) {
    return fullPass(hosts, desired, observed, byService, options, rebalance);
  }
  const changed = changedIndexes(prev, desired.services, replicasSame ? undefined : byService);
  if (changed === undefined || changed.length > desired.services.length * FULL_PASS_SHARE) {
    return fullPass(hosts, desired, observed, byService, options, rebalance);
  }
  const usage = prev.usage.clone();
  for (const i of changed) {
    const old = prev.specs[i];
    if (old === undefined) continue;
    const ports = hostPortKeys(old);
    for (const h of prev.hostIdx[i] ?? []) if (h >= 0) usage.remove(h, old, ports);
  }
  const ctx = newCtx(prev.hosts, usage, prev.eligibleCache);
  const specs = changed.map((i) => desired.services[i]).filter((s) => s !== undefined);
  const works = runPhases(ctx, specs, byService, desired, options);
  if (works.some((w) => evicted(w)) || prev.hosts.hosts.some((h) => usage.overCapacity(h))) {
    return fullPass(hosts, desired, observed, byService, options, rebalance);
  }
  const replicas = prev.replicas.slice();
  const hostIdx = prev.hostIdx.slice();
  const settled = prev.settled.slice();
  const services = new Map<string, ServicePlacement>(prev.placement.services);
  works.forEach((w, k) => {
    const i = changed[k] ?? 0;
    replicas[i] = byService.get(w.spec.name) ?? EMPTY;
    hostIdx[i] = w.host;
    settled[i] = isSettled(w);
    services.set(w.spec.name, toServicePlacement(w, prev.hosts));
  });
  return {
    ...prev,
    placement: withUnschedulable(services),
    hosts,
    usage,
    specs: desired.services,
    replicas,
    hostIdx,
    settled,
    clusterRef: desired.cluster,
    hostsRef: observed.hosts,
    replicasRef: observed.replicas,
    byService,
  };
}

function fullPass(
  hosts: HostIndex,
  desired: DesiredState,
  observed: ObservedCluster,
  byService: ReadonlyMap<string, readonly ObservedReplica[]>,
  options: ScheduleOptions,
  rebalance: boolean,
): ScheduleState {
  const ctx = newCtx(hosts, Usage.empty(hosts.hosts), new Map());
  const view = volumeView(observed.volumes, observed.volumesUnknown);
  const works = runPhases(ctx, desired.services, byService, desired, options, view);
  const services = new Map<string, ServicePlacement>();
  for (const w of works) services.set(w.spec.name, toServicePlacement(w, hosts));
  return {
    placement: withUnschedulable(services),
    hosts,
    usage: ctx.usage,
    eligibleCache: ctx.eligibleCache,
    specs: desired.services,
    replicas: desired.services.map((s) => byService.get(s.name) ?? EMPTY),
    hostIdx: works.map((w) => w.host),
    settled: works.map(isSettled),
    clusterRef: desired.cluster,
    hostsRef: observed.hosts,
    replicasRef: observed.replicas,
    byService,
    rebalance,
    rebalanceLimit: options.rebalanceLimit,
    avoided: (options.avoid?.size ?? 0) > 0,
  };
}

/**
 * Indexes of services to schedule again; undefined when services were added,
 * removed or reordered (then a full pass). `byService` is given when the
 * observed replicas may have changed.
 */
function changedIndexes(
  prev: ScheduleState,
  specs: readonly ServiceSpec[],
  byService: ReadonlyMap<string, readonly ObservedReplica[]> | undefined,
): number[] | undefined {
  const out: number[] = [];
  for (let i = 0; i < specs.length; i++) {
    const spec = specs[i];
    const old = prev.specs[i];
    if (spec === undefined || old === undefined) return undefined;
    if (spec !== old) {
      if (spec.name !== old.name) return undefined;
      if (!sameSchedulingSpec(old, spec)) {
        out.push(i);
        continue;
      }
    }
    if (
      byService !== undefined &&
      !sameReplicas(prev.replicas[i] ?? EMPTY, byService.get(spec.name) ?? EMPTY)
    ) {
      out.push(i);
      continue;
    }
    if (prev.settled[i] !== true) out.push(i);
  }
  return out;
}

function isSettled(w: ServiceWork): boolean {
  if (w.moves.size > 0 || w.unschedulable !== undefined) return false;
  for (let i = 0; i < w.slots.length; i++)
    if (w.anchor[i] === undefined || (w.host[i] ?? -1) < 0) return false;
  return true;
}

/** Phase 1 found a host over capacity and took a replica off it. */
function evicted(w: ServiceWork): boolean {
  for (const m of w.moves.values())
    if (m.code === "insufficient-memory" || m.code === "insufficient-cpu") return true;
  return false;
}
