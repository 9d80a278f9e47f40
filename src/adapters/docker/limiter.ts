// A counting semaphore: at most `limit` calls in flight against one host.
// Measured here: a daemon's create+start throughput stops rising at about
// 2x its cores; beyond that calls only queue inside dockerd (up to 41 s).

export class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer`);
  }

  get inFlight(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Resolves with a release function once a slot is free. The signal lets a
   * caller whose deadline passed leave the queue without taking a slot.
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.waiting.indexOf(grant);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal?.reason instanceof Error ? signal.reason : new Error("aborted while queued"));
      };
      const grant = (): void => {
        signal?.removeEventListener("abort", onAbort);
        this.active++;
        resolve(this.releaser());
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiting.push(grant);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      const next = this.waiting.shift();
      if (next) next();
    };
  }
}

/**
 * Docker calls in flight at once across all hosts of one operator (heartbeats aside). Each
 * holds a socket and buffers (about 20 KiB); without this bound a deploy at 1,000 hosts ran
 * 12,000 at once (every host's lanes full). 512 keeps a real fleet's starts (0.4–1 s each)
 * well within a call's 30 s deadline: 10,000 starts go through in about 20 s.
 */
export const FLEET_CALLS = 512;

/** One per operator: every host's driver takes its calls' slots from it. */
export function fleetCallLimiter(limit = FLEET_CALLS): Limiter {
  return new Limiter(limit);
}
