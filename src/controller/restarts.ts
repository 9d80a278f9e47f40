// Restart counting and restart_policy timing. Docker's own count is no help
// (gitfleet sets RestartPolicy "no" and a manual start resets it), so:
// - a failed replica is replaced by a new container (plan/restart.ts), which
//   carries the slot's count + 1 in the gitfleet.restarts label (stateless:
//   rebuilt from labels after an operator restart);
// - the one restart left in place, of a held service's stopped container (its
//   spec may be an older one, which cannot be created again), is counted here,
//   in memory, per container id, and added to what the labels say.
// The times of restart attempts per slot (for max_attempts within window) are
// in memory too: after an operator restart the window starts empty.

import { slotKey } from "../model/names.js";
import type { ObservedReplica } from "../model/observed.js";
import type { DesiredState, RestartPolicy } from "../model/spec.js";
import type { RestartHooks } from "./execute/context.js";
import { isBroken } from "../plan/restart.js";

export class RestartBook implements RestartHooks {
  private readonly inPlace = new Map<string, number>();
  private readonly attempts = new Map<string, number[]>();
  private counts = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  /** Observed replicas with in-place restarts added; also remembers each slot's count for replacements. */
  apply(replicas: readonly ObservedReplica[]): ObservedReplica[] {
    const out = replicas.map((r) => {
      const extra = this.inPlace.get(r.id) ?? 0;
      return extra === 0 ? r : { ...r, restartCount: r.restartCount + extra };
    });
    const counts = new Map<string, number>();
    for (const r of out) {
      const k = slotKey(r.service, r.slot);
      counts.set(k, Math.max(counts.get(k) ?? 0, r.restartCount));
    }
    this.counts = counts;
    return out;
  }

  /** Forget what belongs to containers and slots no longer seen (only call with a complete observation). */
  retain(replicas: readonly ObservedReplica[]): void {
    const ids = new Set(replicas.map((r) => r.id));
    const slots = new Set(replicas.map((r) => slotKey(r.service, r.slot)));
    for (const id of [...this.inPlace.keys()]) if (!ids.has(id)) this.inPlace.delete(id);
    for (const k of [...this.attempts.keys()]) if (!slots.has(k)) this.attempts.delete(k);
  }

  restartsOf(service: string, slot: string): number {
    return this.counts.get(slotKey(service, slot)) ?? 0;
  }

  restarted(e: { service: string; slot: string; containerId?: string; inPlace: boolean }): void {
    const k = slotKey(e.service, e.slot);
    if (e.inPlace && e.containerId !== undefined) {
      this.inPlace.set(e.containerId, (this.inPlace.get(e.containerId) ?? 0) + 1);
    }
    this.counts.set(k, (this.counts.get(k) ?? 0) + 1);
    const list = this.attempts.get(k) ?? [];
    list.push(this.now());
    this.attempts.set(k, list.slice(-100));
  }

  /** Restart attempts of the slot at or after `since`. */
  attemptsSince(service: string, slot: string, since: number): readonly number[] {
    return (this.attempts.get(slotKey(service, slot)) ?? []).filter((t) => t >= since);
  }
}

export interface RestartHolds {
  /** slotKey of replicas whose restart must wait (PlanOptions.holdRestart). */
  readonly held: ReadonlySet<string>;
  /** When the earliest of the holds ends (a pass is due then); undefined = none ends by itself. */
  readonly wakeAt?: number;
  /** slotKey → why, for status and logs. */
  readonly reasons: ReadonlyMap<string, string>;
}

/**
 * Which broken replicas may not be restarted yet, per restart_policy: `delay`
 * after the container finished; at most `max_attempts` restarts, counted within
 * the last `window` (or ever, when window is 0), as Swarm does.
 */
export function restartHolds(
  desired: DesiredState,
  replicas: readonly ObservedReplica[],
  book: Pick<RestartBook, "attemptsSince">,
  now: number,
): RestartHolds {
  const specs = new Map(desired.services.map((s) => [s.name, s]));
  const held = new Set<string>();
  const reasons = new Map<string, string>();
  let wakeAt: number | undefined;
  const wake = (t: number): void => {
    wakeAt = wakeAt === undefined ? t : Math.min(wakeAt, t);
  };
  for (const r of replicas) {
    const spec = specs.get(r.service);
    if (spec === undefined || r.specHash !== spec.specHash || !isBroken(r)) continue;
    const policy = spec.deploy.restartPolicy;
    const k = slotKey(r.service, r.slot);
    const why = holdReason(policy, r, book, now, wake);
    if (why !== undefined) {
      held.add(k);
      reasons.set(k, why);
    }
  }
  return { held, reasons, ...(wakeAt !== undefined ? { wakeAt } : {}) };
}

function holdReason(
  policy: RestartPolicy,
  r: ObservedReplica,
  book: Pick<RestartBook, "attemptsSince">,
  now: number,
  wake: (t: number) => void,
): string | undefined {
  if (policy.maxAttempts > 0) {
    if (policy.windowMs > 0) {
      const recent = book.attemptsSince(r.service, r.slot, now - policy.windowMs);
      if (recent.length >= policy.maxAttempts) {
        wake((recent[0] ?? now) + policy.windowMs);
        return `${recent.length} restarts within ${policy.windowMs / 1000}s (max_attempts ${policy.maxAttempts})`;
      }
    } else if (r.restartCount >= policy.maxAttempts) {
      return `restarted ${r.restartCount} times (max_attempts ${policy.maxAttempts}): given up`;
    }
  }
  if (policy.delayMs > 0 && r.finishedAt !== undefined && now < r.finishedAt + policy.delayMs) {
    wake(r.finishedAt + policy.delayMs);
    return `restart delay: ${Math.ceil((r.finishedAt + policy.delayMs - now) / 1000)}s left`;
  }
  return undefined;
}
