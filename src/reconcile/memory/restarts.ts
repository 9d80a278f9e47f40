// Restart counting and restart_policy timing. Docker's own count is no help
// (gitfleet sets RestartPolicy "no" and a manual start resets it), so:
// - a failed replica is replaced by a new container (plan/restart.ts), which
//   carries the slot's count + 1 in the gitfleet.restarts label (stateless:
//   rebuilt from labels after an operator restart);
// - the one restart left in place, of a held service's stopped container (its
//   spec may be an older one, which cannot be created again), is counted here,
//   in memory, per container id, and added to what the labels say.
// The times of restart attempts per slot (for max_attempts within window) are
// in memory too: after an operator restart the window starts empty. So are the
// containers gitfleet stopped itself (a stop-first update that did not go
// through): bringing one back is no restart of the replica (stoppedByOperator).

import { slotKey } from "../../model/names.js";
import { isLive, type ObservedReplica } from "../../model/observed.js";
import type { DesiredState, RestartPolicy } from "../../model/spec.js";
import type { RestartHooks } from "../../execute/context.js";
import { failureOf, isBroken } from "../../plan/restart.js";
import { backoffDelay, REPLICA_BACKOFF } from "../../model/backoff.js";
import type { WaitNote } from "../../status/index.js";

export class RestartBook implements RestartHooks {
  private readonly inPlace = new Map<string, number>();
  private readonly attempts = new Map<string, number[]>();
  /** Each slot's count: worked out from `counted` when first asked (a pass without replacements never asks). */
  private counts: Map<string, number> | undefined = new Map();
  /** The replicas the last apply gave, whose counts `counts` holds once worked out. */
  private counted: readonly ObservedReplica[] = [];
  /** Ids and names of containers gitfleet stopped and did not start since. */
  private readonly ourStops = new Set<string>();

  constructor(private readonly now: () => number) {}

  /**
   * Observed replicas with in-place restarts added (the same array when there is nothing to add,
   * as in an idle pass); also what each slot's count for replacements is worked out from.
   */
  apply(replicas: readonly ObservedReplica[]): readonly ObservedReplica[] {
    const out =
      this.inPlace.size === 0 && this.ourStops.size === 0 ? replicas : replicas.map((r) => this.withOurs(r));
    this.counted = out;
    this.counts = undefined;
    return out;
  }

  private withOurs(r: ObservedReplica): ObservedReplica {
    const extra = this.inPlace.get(r.id) ?? 0;
    const ours = (this.ourStops.has(r.id) || this.ourStops.has(r.name)) && !isLive(r);
    if (extra === 0 && !ours) return r;
    return {
      ...r,
      restartCount: r.restartCount + extra,
      ...(ours ? { stoppedByOperator: true } : {}),
    };
  }

  private slotCounts(): Map<string, number> {
    if (this.counts !== undefined) return this.counts;
    const counts = new Map<string, number>();
    for (const r of this.counted) {
      const k = slotKey(r.service, r.slot);
      counts.set(k, Math.max(counts.get(k) ?? 0, r.restartCount));
    }
    this.counts = counts;
    return counts;
  }

  /** Forget what belongs to containers and slots no longer seen (only call with a complete observation). */
  retain(replicas: readonly ObservedReplica[]): void {
    // Nothing remembered (an idle fleet): no index of every replica to build.
    if (this.inPlace.size === 0 && this.ourStops.size === 0 && this.attempts.size === 0) return;
    const ids = new Set(replicas.map((r) => r.id));
    const slots = new Set(replicas.map((r) => slotKey(r.service, r.slot)));
    for (const id of [...this.inPlace.keys()]) if (!ids.has(id)) this.inPlace.delete(id);
    const refs = new Set(replicas.flatMap((r) => [r.id, r.name]));
    for (const ref of [...this.ourStops]) if (!refs.has(ref)) this.ourStops.delete(ref);
    for (const k of [...this.attempts.keys()]) if (!slots.has(k)) this.attempts.delete(k);
  }

  restartsOf(service: string, slot: string): number {
    return this.slotCounts().get(slotKey(service, slot)) ?? 0;
  }

  restarted(e: { service: string; slot: string; containerId?: string; inPlace: boolean }): void {
    const k = slotKey(e.service, e.slot);
    if (e.inPlace && e.containerId !== undefined) {
      this.inPlace.set(e.containerId, (this.inPlace.get(e.containerId) ?? 0) + 1);
    }
    const counts = this.slotCounts();
    counts.set(k, (counts.get(k) ?? 0) + 1);
    const list = this.attempts.get(k) ?? [];
    list.push(this.now());
    this.attempts.set(k, list.slice(-100));
  }

  stopped(c: { readonly id?: string; readonly name: string }): void {
    // By id when known: a later container may take the same deterministic name.
    this.ourStops.add(c.id ?? c.name);
  }

  running(c: { readonly id?: string; readonly name: string }): void {
    if (c.id !== undefined) this.ourStops.delete(c.id);
    this.ourStops.delete(c.name);
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
  /** Per service, the slots waiting out a crash-loop backoff (for status). */
  readonly crashLoops: ReadonlyMap<string, readonly WaitNote[]>;
}

/**
 * A replica that ran less than this before it failed again is crash-looping: its restarts back
 * off. Kubernetes resets CrashLoopBackOff after 10 minutes of running fine, too.
 */
export const CRASH_LOOP_RESET_MS = 10 * 60_000;

/**
 * Which broken replicas may not be restarted yet, per restart_policy: `delay`
 * after the container finished; at most `max_attempts` restarts, counted within
 * the last `window` (or ever, when window is 0), as Swarm does. A replica that
 * keeps failing soon after its restarts waits longer each time (crash loop:
 * 10 s doubling up to 5 min, as Kubernetes' CrashLoopBackOff), at least `delay`.
 * Replicas gitfleet stopped itself are not failures and are never held.
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
  const crashLoops = new Map<string, WaitNote[]>();
  let wakeAt: number | undefined;
  const wake = (t: number): void => {
    wakeAt = wakeAt === undefined ? t : Math.min(wakeAt, t);
  };
  for (const r of replicas) {
    const spec = specs.get(r.service);
    if (spec === undefined || r.specHash !== spec.specHash || !isBroken(r)) continue;
    if (r.stoppedByOperator === true) continue; // no failure of the replica: nothing to hold back
    const policy = spec.deploy.restartPolicy;
    const k = slotKey(r.service, r.slot);
    const hold = holdOf(policy, r, book, now, wake);
    if (hold === undefined) continue;
    held.add(k);
    reasons.set(k, hold.why);
    if (hold.note !== undefined) crashLoops.set(r.service, [...(crashLoops.get(r.service) ?? []), hold.note]);
  }
  return { held, reasons, crashLoops, ...(wakeAt !== undefined ? { wakeAt } : {}) };
}

function holdOf(
  policy: RestartPolicy,
  r: ObservedReplica,
  book: Pick<RestartBook, "attemptsSince">,
  now: number,
  wake: (t: number) => void,
): { why: string; note?: WaitNote } | undefined {
  if (policy.maxAttempts > 0) {
    if (policy.windowMs > 0) {
      const recent = book.attemptsSince(r.service, r.slot, now - policy.windowMs);
      if (recent.length >= policy.maxAttempts) {
        wake((recent[0] ?? now) + policy.windowMs);
        return {
          why: `${recent.length} restarts within ${policy.windowMs / 1000}s (max_attempts ${policy.maxAttempts})`,
        };
      }
    } else if (r.restartCount >= policy.maxAttempts) {
      return { why: `restarted ${r.restartCount} times (max_attempts ${policy.maxAttempts}): given up` };
    }
  }
  if (r.finishedAt === undefined) return undefined;
  const streak = crashStreak(r, book, now);
  const crashMs = streak === 0 ? 0 : backoffDelay(streak, REPLICA_BACKOFF, stableRandom(`${r.id}#${streak}`));
  const waitMs = Math.max(policy.delayMs, crashMs);
  const retryAt = r.finishedAt + waitMs;
  if (waitMs === 0 || now >= retryAt) return undefined;
  wake(retryAt);
  const left = `${Math.ceil((retryAt - now) / 1000)}s left`;
  if (crashMs <= policy.delayMs) return { why: `restart delay: ${left}` };
  const note: WaitNote = {
    reason: r.oomKilled === true ? "oom-killed" : "crash-loop",
    slot: r.slot,
    host: r.host,
    ...(r.image !== undefined ? { image: r.image } : {}),
    attempts: streak + 1,
    retryAt,
    error: failureOf(r),
  };
  return { why: `${note.reason}: back-off ${Math.round(crashMs / 1000)}s, ${left}`, note };
}

/**
 * Restarts in a row of the slot that each failed soon after: counted back from the newest
 * attempt while they follow each other closely (a run shorter than CRASH_LOOP_RESET_MS plus at
 * most the longest backoff). 0 when this replica ran long enough: its failure starts afresh.
 */
function crashStreak(r: ObservedReplica, book: Pick<RestartBook, "attemptsSince">, now: number): number {
  if (
    r.startedAt !== undefined &&
    r.finishedAt !== undefined &&
    r.finishedAt - r.startedAt >= CRASH_LOOP_RESET_MS
  )
    return 0;
  const gap = CRASH_LOOP_RESET_MS + REPLICA_BACKOFF.maxMs;
  const attempts = book.attemptsSince(r.service, r.slot, 0).filter((t) => t <= now);
  let streak = 0;
  let next = r.finishedAt ?? now;
  for (let i = attempts.length - 1; i >= 0; i--) {
    const t = attempts[i] ?? 0;
    if (next - t > gap) break;
    streak++;
    next = t;
  }
  return streak;
}

/**
 * A jitter fraction in [0, 1) that stays the same for one replica and attempt, so every pass
 * computes the same retry time (FNV-1a of the key).
 */
function stableRandom(key: string): () => number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return () => h / 2 ** 32;
}
