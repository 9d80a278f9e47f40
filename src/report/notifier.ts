// Delivers notices to their targets without ever holding up a pass: submit()
// only queues. Each target has its own queue, drained in order (a commit's
// pending reaches the forge before its success), and a failed delivery is
// retried with the one backoff (model/backoff.ts), up to a number of
// attempts; a refusal that no retry can fix (4xx) is dropped at once. Queues
// are bounded: the oldest notice goes first when one overflows.

import type { Logger } from "../ports/logger.js";
import { backoffDelay, type BackoffPolicy } from "../model/backoff.js";
import type { Time } from "../ports/time.js";
import type { Notice } from "./transitions.js";

export interface NoticeTarget {
  readonly name: string;
  /** Whether this target tells this notice at all (a forge only tells commit outcomes). */
  wants(n: Notice): boolean;
  /** Resolves once delivered; throws DeliveryError (or anything: retried). */
  deliver(n: Notice): Promise<void>;
}

/** A delivery failed; `permanent` when retrying cannot help (bad token, unknown repository). */
export class DeliveryError extends Error {
  readonly code = "delivery-failed";
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = "DeliveryError";
  }
}

export const NOTIFY_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 5 * 60_000 };
export const NOTIFY_MAX_ATTEMPTS = 10;
const QUEUE_LIMIT = 1_000;

export interface NotifierOptions {
  readonly targets: readonly NoticeTarget[];
  readonly time: Time;
  readonly logger: Logger;
  readonly random?: () => number;
  readonly policy?: BackoffPolicy;
  readonly maxAttempts?: number;
}

export class Notifier {
  private readonly queues = new Map<NoticeTarget, Notice[]>();
  private readonly draining = new Map<NoticeTarget, Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(private readonly o: NotifierOptions) {
    for (const t of o.targets) this.queues.set(t, []);
  }

  /** Queue the notices for every target that wants them; returns at once. */
  submit(notices: readonly Notice[]): void {
    if (this.stopping.signal.aborted) return;
    for (const [target, queue] of this.queues) {
      for (const n of notices) if (target.wants(n)) queue.push(n);
      if (queue.length > QUEUE_LIMIT) {
        const dropped = queue.splice(0, queue.length - QUEUE_LIMIT);
        this.o.logger.warn(
          { target: target.name, dropped: dropped.length },
          "notifications dropped: queue full",
        );
      }
      if (queue.length > 0 && !this.draining.has(target)) {
        const run = this.drain(target, queue).finally(() => this.draining.delete(target));
        this.draining.set(target, run);
      }
    }
  }

  /** Resolves when every queue is empty (tests, shutdown with a grace period). */
  async idle(): Promise<void> {
    while (this.draining.size > 0) await Promise.all([...this.draining.values()]);
  }

  /** Stop retrying: what is queued is dropped, a delivery in flight finishes. */
  async stop(): Promise<void> {
    this.stopping.abort();
    for (const q of this.queues.values()) q.length = 0;
    await Promise.all([...this.draining.values()]);
  }

  private async drain(target: NoticeTarget, queue: Notice[]): Promise<void> {
    const { time, logger } = this.o;
    const signal = this.stopping.signal;
    while (queue.length > 0 && !signal.aborted) {
      const n = queue[0];
      if (n === undefined) break;
      for (let attempt = 1; !signal.aborted; attempt++) {
        try {
          await target.deliver(n);
          logger.debug({ target: target.name, notice: n.key }, "notification delivered");
          break;
        } catch (err) {
          const permanent = err instanceof DeliveryError && err.permanent;
          const message = err instanceof Error ? err.message : String(err);
          if (permanent || attempt >= (this.o.maxAttempts ?? NOTIFY_MAX_ATTEMPTS)) {
            logger.warn(
              { target: target.name, notice: n.key, err: message, attempts: attempt },
              "notification not delivered",
            );
            break;
          }
          const delay = backoffDelay(attempt, this.o.policy ?? NOTIFY_BACKOFF, this.o.random ?? Math.random);
          logger.debug({ target: target.name, notice: n.key, err: message, delay }, "notification: retrying");
          await time.sleep(delay, signal);
        }
      }
      queue.shift();
    }
  }
}
