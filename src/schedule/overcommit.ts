// After phase 1, a host may hold more reservations than it has (its capacity
// shrank, or reservations grew). Evict replicas there until it fits: those whose
// spec changes anyway first, then the last services and highest slots, so the
// choice is deterministic and stable replicas of unchanged services stay.

import { moveReason } from "./reasons.js";
import type { MoveCode } from "./types.js";
import { isBound, unassign, type Ctx, type ServiceWork } from "./work.js";

interface Held {
  readonly work: ServiceWork;
  readonly order: number;
  readonly slot: number;
}

export function resolveOvercommit(ctx: Ctx, works: readonly ServiceWork[]): void {
  const over = new Set<number>();
  for (const host of ctx.hosts.hosts) if (ctx.usage.overCapacity(host)) over.add(host.index);
  if (over.size === 0) return;
  const held = new Map<number, Held[]>();
  works.forEach((work, order) => {
    for (let i = 0; i < work.slots.length; i++) {
      const h = work.host[i] ?? -1;
      if (!over.has(h)) continue;
      // A slot bound by its volumes stays: its host's shortage is reported, its data is not left behind.
      if (isBound(work, i)) {
        const r = work.spec.deploy.reservations;
        if (r.nanoCpus > 0 || r.memoryBytes > 0) {
          const name = ctx.hosts.hosts[h]?.name ?? "";
          (work.notes ??= []).push(
            `${work.spec.name}/${work.slots[i] ?? ""} stays on ${name}: it holds its volumes there, ` +
              `though ${name} has less room than its replicas reserve`,
          );
        }
        continue;
      }
      const list = held.get(h) ?? [];
      list.push({ work, order, slot: i });
      held.set(h, list);
    }
  });
  for (const [h, list] of held) {
    const host = ctx.hosts.hosts[h];
    if (host === undefined) continue;
    list.sort((a, b) => evictFirst(a) - evictFirst(b) || b.order - a.order || b.slot - a.slot);
    for (const e of list) {
      if (!ctx.usage.overCapacity(host)) break;
      const r = e.work.spec.deploy.reservations;
      if (r.nanoCpus === 0 && r.memoryBytes === 0) continue;
      const code: MoveCode =
        (ctx.usage.mem[h] ?? 0) > host.memoryBytes ? "insufficient-memory" : "insufficient-cpu";
      unassign(ctx, e.work, e.slot);
      e.work.anchor[e.slot] = undefined;
      const slot = e.work.slots[e.slot] ?? "";
      e.work.moves.set(slot, { from: host.name, code, reason: moveReason(code, host.name) });
    }
  }
}

function evictFirst(e: Held): number {
  const anchor = e.work.anchor[e.slot];
  return anchor !== undefined && anchor.specHash !== e.work.spec.specHash ? 0 : 1;
}
