// The Git adapter's retry settings over the one backoff (model/backoff.ts):
// polls during an outage and rejected status pushes.

import { backoffDelay as delay, type BackoffPolicy } from "../../model/backoff.js";

export interface BackoffOptions {
  /** Delay after the first failure. */
  readonly baseMs?: number;
  /** Upper bound of any delay. */
  readonly maxMs?: number;
  /** Random source in [0, 1); injectable for tests. */
  readonly random?: () => number;
}

export const DEFAULT_BACKOFF = { baseMs: 1_000, maxMs: 5 * 60_000 } as const;

/** Delay before retry number `attempt` (1 = after the first failure), with equal jitter. */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const policy: BackoffPolicy = {
    baseMs: options.baseMs ?? DEFAULT_BACKOFF.baseMs,
    maxMs: options.maxMs ?? DEFAULT_BACKOFF.maxMs,
  };
  return delay(attempt, policy, options.random ?? Math.random);
}
