// Exponential backoff with "equal jitter": half the delay is fixed, half is
// random, so retries never spin and many operators do not retry in lockstep.

export interface BackoffOptions {
  /** Delay after the first failure. */
  readonly baseMs?: number;
  /** Upper bound of any delay. */
  readonly maxMs?: number;
  /** Random source in [0, 1); injectable for tests. */
  readonly random?: () => number;
}

export const DEFAULT_BACKOFF = { baseMs: 1_000, maxMs: 5 * 60_000 } as const;

/** Delay before retry number `attempt` (1 = after the first failure). */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? DEFAULT_BACKOFF.baseMs;
  const max = options.maxMs ?? DEFAULT_BACKOFF.maxMs;
  const random = options.random ?? Math.random;
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30);
  const ceiling = Math.min(max, base * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
