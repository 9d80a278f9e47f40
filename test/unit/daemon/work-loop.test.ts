import { describe, expect, it } from "vitest";
import { WorkLoop, type PassResult } from "../../../src/daemon/work-loop.js";
import { FakeTime } from "../../support/fakes/fake-time.js";
import { silent } from "../../support/fakes/execute-harness.js";

function loop(results: Array<PassResult | Error>, passMs = 100) {
  const time = new FakeTime();
  const starts: number[] = [];
  const l = new WorkLoop({
    time,
    logger: silent,
    pass: async () => {
      starts.push(time.now());
      await time.sleep(passMs);
      const r = results.shift() ?? { ok: true };
      if (r instanceof Error) throw r;
      return r;
    },
  });
  return { time, starts, l };
}

describe("work loop", () => {
  it("retries failed passes with exponential backoff, then stops retrying once one succeeds", async () => {
    const { time, starts, l } = loop([{ ok: false }, new Error("boom"), { ok: false }, { ok: true }]);
    l.start();
    l.markDue("startup");
    await time.advance(60_000);
    await time.run(l.stop());
    const t0 = starts[0] ?? 0;
    // Each pass takes 100 ms; then 1 s, 2 s, 4 s of backoff.
    expect(starts.map((s) => s - t0)).toEqual([0, 1100, 3200, 7300]);
  });

  it("bounds passes that keep asking for another at once", async () => {
    const { time, starts, l } = loop(Array.from({ length: 100 }, () => ({ ok: true, followUpMs: 0 })));
    l.start();
    l.markDue("startup");
    await time.advance(10_000);
    await time.run(l.stop());
    // Without a bound this would be 100 passes in 10 s; after 5 in a row it slows down.
    expect(starts.length).toBeLessThan(20);
    expect(starts.length).toBeGreaterThan(5);
  });

  it("stop() waits for the pass in flight", async () => {
    const { time, starts, l } = loop([{ ok: true }], 5_000);
    l.start();
    l.markDue("startup");
    await time.advance(1_000);
    const t = time.now();
    await time.run(l.stop());
    expect(starts).toHaveLength(1);
    expect(time.now() - t).toBe(4_000);
  });
});
