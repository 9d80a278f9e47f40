// The one backoff of gitfleet: exponential with a cap and jitter, like
// Kubernetes' ImagePullBackOff and CrashLoopBackOff. Pure: the random source
// and the time ("now") are passed in, so tests fake both. Used for Git polls
// and status pushes, Docker calls and event streams, failed passes, and the
// controller's per-replica retries (image pulls, starts, crash loops).

export interface BackoffPolicy {
  /** Delay after the first failure (before jitter). */
  readonly baseMs: number;
  /** Upper bound of any delay. */
  readonly maxMs: number;
  /**
   * Share of each delay that is random, 0..1. 0.5 ("equal jitter", the default):
   * half fixed, half random, so retries never spin and many clients do not retry in lockstep.
   */
  readonly jitter?: number;
}

/** Replica retries (pulls, starts, crash loops): Kubernetes' figures, 10 s doubling up to 5 min. */
export const REPLICA_BACKOFF: BackoffPolicy = { baseMs: 10_000, maxMs: 5 * 60_000 };

/** Delay before retry number `attempt` (1 = after the first failure). */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  /** Random source in [0, 1): the caller's (pure code has none of its own). */
  random: () => number,
): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  const jitter = Math.min(1, Math.max(0, policy.jitter ?? 0.5));
  return Math.round(ceiling * (1 - jitter) + random() * ceiling * jitter);
}

export interface BackoffEntry<D> {
  /** Failures in a row. */
  readonly attempts: number;
  /** ms since epoch of the first failure of this run. */
  readonly since: number;
  /** No retry before this time (ms since epoch). */
  readonly retryAt: number;
  /** What failed last, for status and logs. */
  readonly detail: D;
}

/**
 * Failures in a row per key and when each key may be tried again. Keys are the
 * caller's (host + image for pulls, service/slot for starts and crash loops).
 */
export class BackoffBook<D> {
  private readonly entries = new Map<string, BackoffEntry<D>>();

  constructor(
    private readonly policy: BackoffPolicy,
    private readonly random: () => number,
  ) {}

  /** Another failure of `key` at `now`: the next retry moves further away. */
  failed(key: string, now: number, detail: D): BackoffEntry<D> {
    const prev = this.entries.get(key);
    const attempts = (prev?.attempts ?? 0) + 1;
    const entry = {
      attempts,
      since: prev?.since ?? now,
      retryAt: now + backoffDelay(attempts, this.policy, this.random),
      detail,
    };
    this.entries.set(key, entry);
    return entry;
  }

  /** The key works again: its next failure starts from the base delay. */
  succeeded(key: string): void {
    this.entries.delete(key);
  }

  get(key: string): BackoffEntry<D> | undefined {
    return this.entries.get(key);
  }

  /** True while `key` must not be tried (its retry time has not come). */
  waiting(key: string, now: number): boolean {
    const e = this.entries.get(key);
    return e !== undefined && now < e.retryAt;
  }

  /** Keys still waiting at `now`, with their entries. */
  pending(now: number): Array<[string, BackoffEntry<D>]> {
    return [...this.entries].filter(([, e]) => now < e.retryAt);
  }

  /** Every key with a failure on record (waiting or due for a retry). */
  all(): Array<[string, BackoffEntry<D>]> {
    return [...this.entries];
  }

  /** The earliest retry time after `now`, when a pass is due; undefined when none waits. */
  nextRetryAt(now: number): number | undefined {
    let next: number | undefined;
    for (const e of this.entries.values()) if (e.retryAt > now) next = Math.min(next ?? Infinity, e.retryAt);
    return next;
  }

  /** Forget keys the predicate rejects (their service or slot is gone). */
  retain(keep: (key: string, entry: BackoffEntry<D>) => boolean): void {
    for (const [k, e] of [...this.entries]) if (!keep(k, e)) this.entries.delete(k);
  }
}
