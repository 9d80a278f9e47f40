// How every Docker call runs: through one of the host's lanes (limiters),
// against a deadline (queue wait included) raced with a timer, so a frozen
// host fails its own calls quickly and never holds up the others; transient
// failures are retried with jittered exponential backoff.
//
// Lanes keep slow work from starving quick work on the same host: four stops
// waiting out their grace periods must not delay a heartbeat or a list.
//
// Past its lane, a call may also need a slot of the fleet's limiter, shared by
// every host of the operator: each call in flight holds a socket, a request
// and its buffers (about 20 KiB of memory), and at 1,000 hosts the lanes alone
// would let 12,000 run at once during a deploy. Heartbeats never wait for it.

import { systemTime } from "../system/clock.js";
import type { Logger } from "pino";
import { backoffDelay } from "../../model/backoff.js";
import { DockerError, toDockerError } from "./errors.js";
import { Limiter } from "./limiter.js";

export interface CallPolicy {
  /** Deadline of one attempt, including the wait for a slot. */
  readonly timeoutMs: number;
  /** Extra attempts after a transient failure. */
  readonly retries: number;
  readonly backoffMs: number;
}

/**
 * "write": create/start/stop/remove (the daemon's throughput limit: the
 * host's concurrency); "read": list/inspect/info (cheap, twice as many);
 * "pull": image pulls (long, two at a time); "ping": heartbeats, never queued.
 */
export type Lane = "write" | "read" | "pull" | "ping";

export interface CallOptions {
  readonly timeoutMs?: number;
  readonly retries?: number;
  readonly lane?: Lane;
}

export type Attempt<T> = (signal: AbortSignal) => Promise<T>;

export class HostCaller {
  private readonly lanes: Record<Exclude<Lane, "ping">, Limiter>;

  constructor(
    private readonly host: string,
    concurrency: number,
    private readonly policy: CallPolicy,
    private readonly logger: Logger,
    /** Calls in flight across all hosts (shared by every host's caller); none: no such bound. */
    private readonly fleet?: Limiter,
  ) {
    this.lanes = {
      write: new Limiter(concurrency),
      read: new Limiter(concurrency * 2),
      pull: new Limiter(2),
    };
  }

  /** Calls waiting or running in a lane (for metrics). */
  load(lane: Exclude<Lane, "ping">): { inFlight: number; queued: number } {
    const l = this.lanes[lane];
    return { inFlight: l.inFlight, queued: l.queued };
  }

  async run<T>(op: string, attempt: Attempt<T>, opts: CallOptions = {}): Promise<T> {
    const retries = opts.retries ?? this.policy.retries;
    const lane = opts.lane ?? "write";
    const limiters = lane === "ping" ? [] : [this.lanes[lane], ...(this.fleet ? [this.fleet] : [])];
    for (let n = 0; ; n++) {
      try {
        return await this.once(op, attempt, opts.timeoutMs ?? this.policy.timeoutMs, limiters);
      } catch (err) {
        const error = toDockerError(err, this.host, op);
        if (!error.transient || n >= retries) throw error;
        const delay = backoffDelay(n + 1, { baseMs: this.policy.backoffMs, maxMs: 10_000 }, Math.random);
        this.logger.warn({ host: this.host, op, code: error.code, attempt: n + 1, delay }, "retrying");
        await systemTime.sleep(delay);
      }
    }
  }

  private async once<T>(
    op: string,
    attempt: Attempt<T>,
    timeoutMs: number,
    /** Taken in this order (the host's lane, then the fleet's), released together. */
    limiters: readonly Limiter[],
  ): Promise<T> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new DockerError("timeout", `no answer within ${timeoutMs} ms`, { host: this.host, op });
        controller.abort(error);
        reject(error);
      }, timeoutMs);
    });
    const releases: (() => void)[] = [];
    let over = false;
    try {
      const work = (async () => {
        for (const l of limiters) {
          const release = await l.acquire(controller.signal);
          // Granted just as the deadline passed: give the slot back, and do not call.
          if (over) {
            release();
            throw controller.signal.reason;
          }
          releases.push(release);
        }
        return attempt(controller.signal);
      })();
      // The losing side may still reject later; keep it from surfacing as unhandled.
      work.catch(() => undefined);
      return await Promise.race([work, deadline]);
    } finally {
      clearTimeout(timer);
      over = true;
      for (const release of releases) release();
    }
  }
}
