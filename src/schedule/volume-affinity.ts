// Volume affinity: a replica that mounts a host-local named volume is bound to
// the host holding that volume, as a Kubernetes local PersistentVolume binds
// its pod to a node. Right after phase 1 (keep), every bound slot is put back
// on its host whatever moved it (failover, drain, constraint, port, capacity),
// or, when that host cannot run it now (down, not heard from, on probation),
// waits for it: it is never started elsewhere on empty storage. The later
// phases leave bound slots alone; what they would have done is said in notes.
// Data moves only when Git asks (drain with move_data: dataMoves below).

import type { ObservedReplica } from "../model/observed.js";
import type { ClusterSpec } from "../model/spec.js";
import { boundSources, recreatableSources, type ObservedVolume } from "../model/volumes.js";
import { failingConstraint } from "./constraints.js";
import type { HostInfo } from "./hosts.js";
import { constraintRaw } from "./reasons.js";
import { compareReplicas } from "./replica-order.js";
import { assign, unassign, type Ctx, type ServiceWork } from "./work.js";

interface Holder {
  readonly host: string;
  readonly sources: Set<string>;
  readonly createdAt: number;
}

/** The observed volumes, indexed for the scheduler. */
export interface VolumeView {
  /** service → slot → host → the slot's volumes there that count (no superseded ones, no unfinished copies). */
  readonly bySlot: ReadonlyMap<string, ReadonlyMap<string, ReadonlyMap<string, Holder>>>;
  /** source → hosts holding a volume of that name without slot labels (made before they existed). */
  readonly unlabelled: ReadonlyMap<string, ReadonlySet<string>>;
  /** source → hosts holding a volume of that name, whatever its labels. */
  readonly anywhere: ReadonlyMap<string, ReadonlySet<string>>;
  /** Hosts whose volumes were never read: a slot with no known binding may be bound there. */
  readonly unknown: readonly string[];
  readonly all: readonly ObservedVolume[];
}

export function volumeView(
  volumes: readonly ObservedVolume[] | undefined,
  unknown: readonly string[] = [],
): VolumeView | undefined {
  if (volumes === undefined) return undefined;
  const superseded = new Set<string>();
  for (const v of volumes)
    if (v.supersededBy !== undefined) superseded.add(`${v.host}\0${v.name}\0${v.supersededBy}`);
  const bySlot = new Map<string, Map<string, Map<string, Holder>>>();
  const unlabelled = new Map<string, Set<string>>();
  const anywhere = new Map<string, Set<string>>();
  for (const v of volumes) {
    addTo(anywhere, v.source, v.host);
    if (v.supersededBy !== undefined) continue;
    // A copy counts once its source says it was superseded by it: before that it may be partial.
    if (v.copyOf !== undefined && !superseded.has(`${v.copyOf}\0${v.name}\0${v.host}`)) continue;
    if (v.service === undefined || v.slot === undefined) {
      addTo(unlabelled, v.source, v.host);
      continue;
    }
    const slots = bySlot.get(v.service) ?? new Map<string, Map<string, Holder>>();
    bySlot.set(v.service, slots);
    const hosts = slots.get(v.slot) ?? new Map<string, Holder>();
    slots.set(v.slot, hosts);
    const h = hosts.get(v.host);
    if (h === undefined)
      hosts.set(v.host, { host: v.host, sources: new Set([v.source]), createdAt: v.createdAt });
    else h.sources.add(v.source);
  }
  return { bySlot, unlabelled, anywhere, unknown, all: volumes };
}

function addTo(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key);
  if (set === undefined) map.set(key, new Set([value]));
  else set.add(value);
}

/** Binds, keeps or holds back every slot of a replicated service whose volumes are on a host. */
export function applyAffinity(
  ctx: Ctx,
  work: ServiceWork,
  view: VolumeView | undefined,
  replicas: readonly ObservedReplica[],
  cluster: Pick<ClusterSpec, "volumes" | "hosts">,
): void {
  // A global service's slot is its host already: it binds naturally.
  if (view === undefined || work.spec.deploy.mode === "global") return;
  const sources = boundSources(work.spec, cluster);
  if (sources.length === 0) return;
  const perSlot = view.bySlot.get(work.spec.name);
  for (let i = 0; i < work.slots.length; i++) {
    const slot = work.slots[i] ?? "";
    const mine = replicas.filter((r) => r.slot === slot && r.state !== "removing");
    const holders = holdersOf(perSlot?.get(slot), view, sources, mine);
    if (holders.length === 0) {
      if ((work.host[i] ?? -1) < 0 && view.unknown.length > 0) {
        setWaiting(work, i, `waiting for ${view.unknown.join(", ")}: volumes there not seen yet`);
      }
      continue;
    }
    const holder = pickHolder(holders, work, i, mine);
    const host = ctx.hosts.byName.get(holder.host);
    if (host === undefined) continue;
    const moveData = cluster.hosts.some((h) => h.name === host.name && h.moveData === true);
    bindSlot(ctx, work, i, host, [...holder.sources].sort(), mine, moveData);
    if (holders.length > 1) {
      const others = holders.filter((h) => h !== holder).map((h) => h.host);
      note(work, `${work.spec.name}/${slot}: volumes also on ${others.join(", ")}; using ${holder.host}`);
    }
  }
}

function holdersOf(
  hosts: ReadonlyMap<string, Holder> | undefined,
  view: VolumeView,
  sources: readonly string[],
  mine: readonly ObservedReplica[],
): Holder[] {
  const wanted = new Set(sources);
  const out = new Map<string, Holder>();
  for (const h of hosts?.values() ?? []) {
    const held = [...h.sources].filter((s) => wanted.has(s));
    if (held.length > 0) out.set(h.host, { ...h, sources: new Set(held) });
  }
  // Volumes without slot labels: they hold the data of the slot whose container is there.
  for (const s of sources) {
    for (const host of view.unlabelled.get(s) ?? []) {
      if (!mine.some((r) => r.host === host)) continue;
      const h = out.get(host);
      if (h === undefined) out.set(host, { host, sources: new Set([s]), createdAt: 0 });
      else h.sources.add(s);
    }
  }
  return [...out.values()];
}

/**
 * Several hosts hold the slot's volumes (an older copy left behind when the
 * volume was recreatable, say): the one its replica runs on, else where its
 * latest container is, else the newest volume. A slot's volume is made where
 * its replica lands, so the newest is where it ran last.
 */
function pickHolder(
  holders: readonly Holder[],
  work: ServiceWork,
  i: number,
  mine: readonly ObservedReplica[],
): Holder {
  const anchor = work.anchor[i]?.host;
  const running = new Set(mine.filter((r) => r.state === "running").map((r) => r.host));
  const latest = new Map<string, number>();
  for (const r of mine) latest.set(r.host, Math.max(latest.get(r.host) ?? 0, r.createdAt));
  const sorted = [...holders].sort(
    (a, b) =>
      Number(b.host === anchor) - Number(a.host === anchor) ||
      Number(running.has(b.host)) - Number(running.has(a.host)) ||
      (latest.get(b.host) ?? 0) - (latest.get(a.host) ?? 0) ||
      b.createdAt - a.createdAt ||
      (a.host < b.host ? -1 : a.host > b.host ? 1 : 0),
  );
  return sorted[0] ?? (holders[0] as Holder);
}

function bindSlot(
  ctx: Ctx,
  work: ServiceWork,
  i: number,
  host: HostInfo,
  sources: readonly string[],
  mine: readonly ObservedReplica[],
  moveData: boolean,
): void {
  const slot = work.slots[i] ?? "";
  (work.bound ??= new Array<HostInfo | undefined>(work.slots.length).fill(undefined))[i] = host;
  const holds = `holds volume${sources.length > 1 ? "s" : ""} ${sources.join(", ")}`;
  const failing = failingConstraint(host, work.spec.deploy.placement.constraints);
  if (failing !== undefined) {
    note(
      work,
      `${work.spec.name}/${slot} stays on ${host.name}: constraint ${constraintRaw(failing)} no longer holds ` +
        `there, but it ${holds} (move its data first)`,
    );
  }
  if (host.blocked === "host-draining" && !moveData) {
    note(
      work,
      `${work.spec.name}/${slot} stays on draining ${host.name}: it ${holds} ` +
        `(move_data: true on ${host.name} moves it with its data)`,
    );
  }
  if ((work.host[i] ?? -1) === host.index) return;
  // Whatever moved it (a down, draining or returning host, a port, a capacity), it stays with its data.
  if ((work.host[i] ?? -1) >= 0) unassign(ctx, work, i);
  work.moves.delete(slot);
  const here = mine
    .filter((r) => r.host === host.name)
    .sort((a, b) => compareReplicas(a, b, work.spec.specHash));
  work.anchor[i] = here[0];
  const usable = host.blocked === undefined || host.blocked === "host-draining";
  // A replica still there on a host not heard from yet keeps its slot, as for any replica.
  if (usable || (host.blocked === "host-unknown" && here.length > 0)) {
    assign(ctx, work, i, host.index);
    return;
  }
  work.anchor[i] = undefined;
  setWaiting(work, i, `waiting for ${host.name}: ${holds}`);
}

function setWaiting(work: ServiceWork, i: number, why: string): void {
  (work.waiting ??= new Map()).set(i, why);
}

function note(work: ServiceWork, text: string): void {
  (work.notes ??= []).push(text);
}

/**
 * After placement: slots waiting for their host become unschedulable with that
 * reason (the service is degraded), alongside what placement could not place.
 */
export function reportWaiting(work: ServiceWork, hostsTotal: number): void {
  if (work.waiting === undefined || work.waiting.size === 0) return;
  const slots = [...work.waiting.keys()].sort((a, b) => a - b).map((i) => work.slots[i] ?? "");
  const why = [...new Set(work.waiting.values())];
  const prev = work.unschedulable;
  const message = prev === undefined ? why.join("; ") : `${why.join("; ")}; ${prev.message}`;
  work.unschedulable = {
    service: work.spec.name,
    slots: [...slots, ...(prev?.slots ?? [])],
    hostsTotal,
    hostsAvailable: prev?.hostsAvailable ?? 0,
    reasons: prev?.reasons ?? [],
    message,
  };
}

/** A slot moved by the scheduler leaves its recreatable volumes behind: say so in the move's reason. */
export function noteLeftBehind(
  work: ServiceWork,
  view: VolumeView | undefined,
  cluster: Pick<ClusterSpec, "volumes">,
): void {
  if (view === undefined || work.moves.size === 0) return;
  const sources = recreatableSources(work.spec, cluster);
  if (sources.length === 0) return;
  for (const [slot, m] of work.moves) {
    const left = sources.filter((s) => view.anywhere.get(s)?.has(m.from) === true);
    if (left.length === 0) continue;
    const what = `volume${left.length > 1 ? "s" : ""} ${left.join(", ")}`;
    work.moves.set(slot, {
      ...m,
      reason: `${m.reason}; its data (${what}, recreatable) was left on ${m.from}`,
    });
  }
}
