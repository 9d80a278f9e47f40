// The single-flight worker: triggers only mark a pass as due (now or at a
// time); one loop runs passes, never two at once, and coalesces everything
// that became due meanwhile into the next one. A failed pass is retried with
// exponential backoff. stop() lets the pass in flight finish its current step,
// report, and return.

import type { Logger } from "../ports/logger.js";
import { backoffDelay } from "../model/backoff.js";
import type { Time } from "../ports/time.js";

/** The loop's delays have no jitter (one loop per process: nothing to spread), so no random source. */
const NO_RANDOM = (): number => 0;
/** Passes that keep asking for another at once slow down from 0.5 s to 30 s. */
const SPIN_BACKOFF = { baseMs: 500, maxMs: 30_000, jitter: 0 } as const;

export interface PassResult {
  readonly ok: boolean;
  readonly followUpMs?: number;
}

export interface WorkLoopOptions {
  readonly time: Time;
  readonly logger: Logger;
  readonly pass: (signal: AbortSignal, reasons: readonly string[]) => Promise<PassResult>;
  /** Called when a pass throws (e.g. to report the error in status). */
  readonly onError?: (err: unknown) => Promise<void>;
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
}

export class WorkLoop {
  private dueAt: number | undefined;
  private reasons: string[] = [];
  private wake = new AbortController();
  private readonly cancel = new AbortController();
  private loop: Promise<void> | undefined;
  private failures = 0;
  private passes = 0;
  /** Consecutive passes that asked for another at once: bounded, so a plan that never empties cannot spin. */
  private streak = 0;

  constructor(private readonly o: WorkLoopOptions) {}

  get stopping(): boolean {
    return this.cancel.signal.aborted;
  }

  get passCount(): number {
    return this.passes;
  }

  /** Mark a pass as due in `inMs` (default now). Never blocks; safe to call from event handlers. */
  markDue(reason: string, inMs = 0): void {
    const at = this.o.time.now() + Math.max(0, inMs);
    if (this.dueAt === undefined || at < this.dueAt) this.dueAt = at;
    if (this.reasons.length < 20) this.reasons.push(reason);
    this.wake.abort();
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Finish the current step of the pass in flight, let it report, then end the loop. */
  async stop(): Promise<void> {
    this.cancel.abort();
    this.wake.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { time } = this.o;
    while (!this.stopping) {
      const now = time.now();
      if (this.dueAt === undefined || this.dueAt > now) {
        const wait = this.dueAt === undefined ? 3_600_000 : this.dueAt - now;
        await time.sleep(wait, this.wake.signal);
        if (this.wake.signal.aborted) this.wake = new AbortController();
        continue;
      }
      const reasons = this.reasons;
      this.dueAt = undefined;
      this.reasons = [];
      await this.runPass(reasons);
    }
  }

  private async runPass(reasons: readonly string[]): Promise<void> {
    this.passes++;
    try {
      const r = await this.o.pass(this.cancel.signal, reasons);
      if (r.ok) this.failures = 0;
      else this.failures++;
      this.streak = r.followUpMs === 0 ? this.streak + 1 : 0;
      if (!r.ok) this.retryLater("the last pass did not fully succeed");
      else if (r.followUpMs !== undefined) {
        const spin = this.streak > 5 ? backoffDelay(this.streak - 5, SPIN_BACKOFF, NO_RANDOM) : 0;
        this.markDue("follow-up", Math.max(r.followUpMs, spin));
      }
    } catch (err) {
      this.failures++;
      this.o.logger.error({ err: err instanceof Error ? err.message : String(err) }, "pass failed");
      await this.o.onError?.(err).catch(() => undefined);
      this.retryLater("retry after a failed pass");
    }
  }

  private retryLater(reason: string): void {
    if (this.stopping) return;
    const delay = backoffDelay(
      this.failures,
      {
        baseMs: this.o.backoffBaseMs ?? 1_000,
        maxMs: this.o.backoffMaxMs ?? 60_000,
        // One loop per process: nothing to spread, and the retry times stay predictable.
        jitter: 0,
      },
      NO_RANDOM,
    );
    this.o.logger.debug({ delay, failures: this.failures }, reason);
    this.markDue(reason, delay);
  }
}
