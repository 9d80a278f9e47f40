// The leader elector of standby operators: campaigns while it does not lead,
// renews while it does, and answers "may I act now?" from its own clock (the
// fencing rule in model/leadership.ts). It never decides on the store's word
// alone that it still leads: a renewal that has not come back does not count.

import type { Logger } from "../ports/logger.js";
import {
  type HeldTerm,
  type Leadership,
  type LeaseStore,
  type LeaseTerm,
  type LeaseTiming,
  mayAct,
} from "../model/leadership.js";
import { errorMessage } from "../ports/host.js";
import { withTimeout } from "../observe/observer.js";
import type { Time } from "../ports/time.js";

export type LeadershipChange =
  | { readonly kind: "elected"; readonly term: LeaseTerm }
  | { readonly kind: "lost"; readonly term: LeaseTerm; readonly reason: string };

export interface LeaderElectorOptions {
  readonly store: LeaseStore;
  readonly holder: string;
  readonly timing: LeaseTiming;
  readonly time: Time;
  readonly logger: Logger;
  readonly onChange: (change: LeadershipChange) => void;
}

export class LeaderElector implements Leadership {
  private held: HeldTerm | undefined;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private lastStoreError: string | undefined;

  constructor(private readonly o: LeaderElectorOptions) {}

  /** Whether this process may make a call to a host now. */
  mayAct(): boolean {
    return mayAct(this.held, this.o.time.now(), this.o.timing);
  }

  /** The term this process holds, while it may act. */
  get term(): LeaseTerm | undefined {
    return this.mayAct() ? this.held?.term : undefined;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops campaigning; a leader resigns so a standby takes over without waiting for the TTL. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    const held = this.held;
    this.held = undefined;
    if (held !== undefined) await this.o.store.resign(held.term).catch(() => undefined);
  }

  /** Gives up the current term at once (fenced by a newer epoch seen on a host). */
  abdicate(reason: string): void {
    const held = this.held;
    if (held === undefined) return;
    this.held = undefined;
    this.o.onChange({ kind: "lost", term: held.term, reason });
    void this.o.store.resign(held.term).catch(() => undefined);
  }

  private async run(): Promise<void> {
    const { time, timing } = this.o;
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      if (this.held === undefined) await this.campaign();
      else await this.renew(this.held);
      await time.sleep(timing.renewEveryMs, signal);
    }
  }

  private async campaign(): Promise<void> {
    const sentAt = this.o.time.now();
    try {
      const term = await this.bounded(this.o.store.campaign(this.o.holder, this.o.timing.ttlMs), "campaign");
      this.storeAnswered();
      if (term === undefined || this.stopping.signal.aborted) {
        if (term !== undefined) await this.o.store.resign(term).catch(() => undefined);
        return;
      }
      this.held = { term, renewedSentAt: sentAt };
      this.o.logger.info({ epoch: term.epoch }, "elected leader");
      this.o.onChange({ kind: "elected", term });
    } catch (err) {
      this.storeFailed(err);
    }
  }

  private async renew(held: HeldTerm): Promise<void> {
    const sentAt = this.o.time.now();
    let lostReason: string | undefined;
    try {
      const ok = await this.bounded(this.o.store.renew(held.term), "renewal");
      this.storeAnswered();
      if (ok) {
        // Only if still the same term: abdicate() may have run meanwhile.
        if (this.held === held) this.held = { term: held.term, renewedSentAt: sentAt };
        return;
      }
      lostReason = "the lease is gone (expired or taken)";
    } catch (err) {
      this.storeFailed(err);
      if (this.mayAct()) return;
      lostReason = `no renewal within ${this.o.timing.renewDeadlineMs} ms (${errorMessage(err)})`;
    }
    if (this.held !== held) return;
    this.held = undefined;
    this.o.logger.warn({ epoch: held.term.epoch, reason: lostReason }, "leadership lost: not acting");
    this.o.onChange({ kind: "lost", term: held.term, reason: lostReason });
  }

  /** A store call that hangs (a partition) counts as failed after the renew deadline. */
  private bounded<T>(call: Promise<T>, what: string): Promise<T> {
    const ms = this.o.timing.renewDeadlineMs;
    return withTimeout(call, ms, this.o.time, `lease store: no answer to the ${what} within ${ms} ms`);
  }

  private storeAnswered(): void {
    if (this.lastStoreError === undefined) return;
    this.o.logger.info("lease store reachable again");
    this.lastStoreError = undefined;
  }

  private storeFailed(err: unknown): void {
    const message = errorMessage(err);
    if (message !== this.lastStoreError) this.o.logger.warn({ err: message }, "lease store unreachable");
    this.lastStoreError = message;
  }
}
