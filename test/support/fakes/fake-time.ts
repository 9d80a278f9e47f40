// Fake time for unit tests: sleeps and timers are queued, and run() moves the
// clock to the next timer whenever nothing else can make progress, so a
// minute-long rollout finishes in milliseconds and deterministically.

import type { Time } from "../../../src/ports/time.js";

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

export class FakeTime implements Time {
  private t: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(start = 1_700_000_000_000) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  /** Run fn after ms of fake time; returns a cancel function. */
  after(ms: number, fn: () => void): () => void {
    const timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((x) => x !== timer);
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted === true) return resolve();
      const cancel = this.after(ms, () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      });
      const onAbort = (): void => {
        cancel();
        resolve();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Drive fake time until the promise settles; fails on a deadlock or after limitMs. */
  async run<T>(p: Promise<T>, limitMs = 3_600_000): Promise<T> {
    let settled = false;
    p.then(
      () => (settled = true),
      () => (settled = true),
    );
    const end = this.t + limitMs;
    for (;;) {
      await flush();
      if (settled) return p;
      const next = this.nextTimer();
      if (next === undefined) throw new Error("deadlock: the promise is pending and no timer is due");
      if (next.at > end) throw new Error(`still pending after ${limitMs} ms of fake time`);
      this.timers = this.timers.filter((x) => x !== next);
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
  }

  /** Advance by ms, firing due timers in order. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await flush();
      const next = this.nextTimer();
      if (next === undefined || next.at > end) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = end;
    await flush();
  }

  private nextTimer(): Timer | undefined {
    let best: Timer | undefined;
    for (const x of this.timers)
      if (best === undefined || x.at < best.at || (x.at === best.at && x.seq < best.seq)) best = x;
    return best;
  }
}

async function flush(): Promise<void> {
  await new Promise<void>((r) => setImmediate(r));
}
