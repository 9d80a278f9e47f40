// Many waits on one long-lived signal: one listener on it, callbacks forgotten
// as their waits end (regression: the fleet-scale bench's rollouts put one
// listener per wait-healthy on the loop's signal, and Node warned at 11).

import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { abortWaiters, onAbort } from "../../../src/model/abort-listeners.js";
import { systemTime } from "../../../src/adapters/system/clock.js";

async function noMaxListenerWarning(run: () => Promise<void>): Promise<void> {
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => void warnings.push(w);
  process.on("warning", onWarning);
  try {
    await run();
    await new Promise((r) => setImmediate(r)); // warnings are emitted on a later tick
  } finally {
    process.off("warning", onWarning);
  }
  expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
}

describe("waiting on one abort signal many times", () => {
  it("calls every callback registered when it aborts, once, and none forgotten before", () => {
    const c = new AbortController();
    const calls: number[] = [];
    const forget = [1, 2, 3].map((i) => onAbort(c.signal, () => calls.push(i)));
    forget[1]?.();
    expect(abortWaiters(c.signal)).toBe(2);
    c.abort();
    c.abort();
    expect(calls).toEqual([1, 3]);
    expect(abortWaiters(c.signal)).toBe(0);
  });

  it("sleeps 300 at once on the loop's signal with one listener, and leaves none behind", async () => {
    await noMaxListenerWarning(async () => {
      const stop = new AbortController();
      const sleeps = Array.from({ length: 300 }, () => systemTime.sleep(20, stop.signal));
      expect(getEventListeners(stop.signal, "abort")).toHaveLength(1);
      expect(abortWaiters(stop.signal)).toBe(300);
      await Promise.all(sleeps);
      expect(abortWaiters(stop.signal)).toBe(0);
      // Aborting ends the sleeps in flight (ten minutes each: the test's deadline of a minute
      // would pass first otherwise).
      const long = Array.from({ length: 50 }, () => systemTime.sleep(600_000, stop.signal));
      stop.abort();
      await Promise.all(long);
      expect(abortWaiters(stop.signal)).toBe(0);
    });
  });
});
