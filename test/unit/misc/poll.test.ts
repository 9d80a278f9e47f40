// The tests' one poll-until (test/support/poll.ts): it returns the first answer that is not
// "not yet", and a timeout says what was awaited and what was last seen.

import { describe, expect, it } from "vitest";
import { FakeTime } from "../../support/fakes/fake-time.js";
import { pollUntil } from "../../support/poll.js";

describe("pollUntil", () => {
  it("asks until an answer other than undefined, null or false, and returns it", async () => {
    const answers: unknown[] = [undefined, null, false, 0, "late"];
    let asked = 0;
    expect(await pollUntil("an answer", () => answers[asked++], { intervalMs: 1 })).toBe(0);
    expect(asked).toBe(4);
  });

  it("times out naming what it waited for and the last answer (or what `seen` says)", async () => {
    let n = 0;
    await expect(
      pollUntil("n to reach 100", () => (++n >= 100 ? n : undefined), { timeoutMs: 30, intervalMs: 5 }),
    ).rejects.toThrow(/^timed out after 30 ms waiting for n to reach 100 \(last seen: undefined\)$/);
    await expect(
      pollUntil("n to reach 100", () => ++n >= 100, { timeoutMs: 30, intervalMs: 5, seen: () => ({ n: 7 }) }),
    ).rejects.toThrow('waiting for n to reach 100 (last seen: {"n":7})');
  });

  it("ends the wait with the error of a probe that throws", async () => {
    await expect(
      pollUntil("never", () => Promise.reject(new Error("refused")), { timeoutMs: 10_000 }),
    ).rejects.toThrow("refused");
  });

  it("with retryThrown, asks a probe that throws again, and a timeout names its last error", async () => {
    let asked = 0;
    const flaky = (): Promise<string> =>
      ++asked < 3 ? Promise.reject(new Error(`refused ${asked}`)) : Promise.resolve("up");
    expect(await pollUntil("the server", flaky, { intervalMs: 1, retryThrown: true })).toBe("up");
    expect(asked).toBe(3);
    await expect(
      pollUntil("never", () => Promise.reject(new Error("refused")), {
        timeoutMs: 30,
        intervalMs: 5,
        retryThrown: true,
      }),
    ).rejects.toThrow(/^timed out after 30 ms waiting for never \(last error: Error: refused\)$/);
  });

  it("waits on the clock it is given: fake time, driven by its run()", async () => {
    const time = new FakeTime(0);
    const at = await time.run(pollUntil("a minute", () => time.now() >= 60_000 && time.now(), { time }));
    expect(at).toBe(60_000);
    await expect(
      time.run(pollUntil("never", () => false, { time, timeoutMs: 600_000, intervalMs: 50 })),
    ).rejects.toThrow("timed out after 600000 ms waiting for never (last seen: false)");
    expect(time.now()).toBe(660_050);
  });
});
