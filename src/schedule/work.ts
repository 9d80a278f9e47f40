// Mutable working state of one scheduling pass. Never escapes the scheduler:
// schedule() turns it into the immutable Placement.

import type { ObservedReplica } from "../model/observed.js";
import type { ServiceSpec } from "../model/spec.js";
import type { HostIndex } from "./hosts.js";
import type { HostPools } from "./pools.js";
import type { PreferenceLayout } from "./spread.js";
import type { DataMove, MoveCode, Unschedulable } from "./types.js";
import type { HostInfo } from "./hosts.js";
import type { Usage } from "./usage.js";

export interface SlotMove {
  readonly from: string;
  readonly code: MoveCode;
  readonly reason: string;
}

export interface ServiceWork {
  readonly spec: ServiceSpec;
  /** Host-mode published port keys ("8080/tcp"). */
  readonly ports: readonly string[];
  /** Desired slots in slot order. */
  readonly slots: readonly string[];
  /** Per slot index: host index, or -1 while it has none. */
  readonly host: Int32Array;
  /** Per slot index: the observed replica that anchors the slot where it is (kept). */
  readonly anchor: (ObservedReplica | undefined)[];
  /** Slot → why its replica leaves its current host (may name slots no longer desired, for global). */
  readonly moves: Map<string, SlotMove>;
  unschedulable?: Unschedulable;
  /** Per slot index: the host holding the slot's volumes (volume-affinity.ts); such a slot never moves. */
  bound?: (HostInfo | undefined)[];
  /** Slot index → why it waits for its host rather than being placed (its data is there). */
  waiting?: Map<number, string>;
  /** What was not done for bound slots, for status. */
  notes?: string[];
  dataMoves?: DataMove[];
}

/** Is slot i held on its host by its volumes? */
export function isBound(work: ServiceWork, i: number): boolean {
  return work.bound?.[i] !== undefined;
}

export interface Ctx {
  readonly hosts: HostIndex;
  readonly usage: Usage;
  /** Static eligibility (host state + constraints) per constraint set: host indexes, ascending. */
  readonly eligibleCache: Map<string, Int32Array>;
  /** Least-allocated order per eligibility pool, kept current by assign/unassign. */
  readonly pools: HostPools;
  /** Preference group layout per list of spread keys. */
  readonly prefCache: Map<string, PreferenceLayout>;
  /** Eligible hosts split by deepest preference group, per (constraints, preferences). */
  readonly leafCache: Map<string, Int32Array[]>;
  /** Scratch: replicas of the service being scheduled, per host. All zero between services. */
  readonly svcCount: Int32Array;
}

export function assign(ctx: Ctx, work: ServiceWork, i: number, h: number): void {
  work.host[i] = h;
  ctx.usage.add(h, work.spec, work.ports);
  ctx.pools.touched(h);
}

export function unassign(ctx: Ctx, work: ServiceWork, i: number): void {
  const h = work.host[i] ?? -1;
  if (h < 0) return;
  work.host[i] = -1;
  ctx.usage.remove(h, work.spec, work.ports);
  ctx.pools.touched(h);
}
