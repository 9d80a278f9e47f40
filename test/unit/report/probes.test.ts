import { describe, expect, it } from "vitest";
import { liveness, readiness } from "../../../src/report/probes.js";

const bounds = { passDeadlineMs: 60_000, gitStaleAfterMs: 300_000 };
const now = 10_000_000;

describe("liveness", () => {
  it("is live while the loop runs, even mid-pass", () => {
    expect(liveness({ looping: true, passSince: now - 90_000 }, now, bounds).ok).toBe(true);
  });
  it("is not live before start or while stopping", () => {
    expect(liveness({ looping: false }, now, bounds)).toEqual({
      ok: false,
      reason: "the reconcile loop is not running",
    });
  });
  it("is not live once a pass has run for twice its deadline (stuck)", () => {
    const r = liveness({ looping: true, passSince: now - 121_000 }, now, bounds);
    expect(r.ok).toBe(false);
    expect(r.reason).toContain("121s");
  });
});

describe("readiness", () => {
  const fine = { looping: true, lastPass: { endedAt: now - 1000, ms: 2000 } };
  it("is ready after a pass that finished in time, with Git answering", () => {
    expect(readiness(fine, now, bounds).ok).toBe(true);
  });
  it("is not ready before the first pass finished", () => {
    expect(readiness({ looping: true, passSince: now - 10 }, now, bounds).reason).toBe(
      "no pass has finished yet",
    );
  });
  it("is not ready when the last pass overran its deadline, or the one in flight does", () => {
    expect(readiness({ looping: true, lastPass: { endedAt: now, ms: 61_000 } }, now, bounds).ok).toBe(false);
    expect(readiness({ ...fine, passSince: now - 61_000 }, now, bounds).ok).toBe(false);
    expect(readiness({ ...fine, passSince: now - 59_000 }, now, bounds).ok).toBe(true);
  });
  it("stays ready through a short Git outage, not past the staleness bound", () => {
    expect(readiness({ ...fine, gitDownSince: now - 299_000 }, now, bounds).ok).toBe(true);
    const r = readiness({ ...fine, gitDownSince: now - 301_000 }, now, bounds);
    expect(r).toEqual({ ok: false, reason: "Git has not answered for 301s" });
  });
});
