import { describe, expect, it } from "vitest";
import {
  DEFAULT_LEASE_TIMING,
  leaseTimingProblem,
  mayAct,
  supersededBy,
} from "../../../src/model/leadership.js";

const term = { holder: "a", epoch: 7, leaseId: "1" };

describe("fencing rules", () => {
  it("a leader acts only within the renew deadline of the last successful renewal it sent", () => {
    const held = { term, renewedSentAt: 10_000 };
    expect(mayAct(held, 10_000, DEFAULT_LEASE_TIMING)).toBe(true);
    expect(mayAct(held, 13_499, DEFAULT_LEASE_TIMING)).toBe(true);
    expect(mayAct(held, 13_500, DEFAULT_LEASE_TIMING)).toBe(false);
    // Woken from a pause long after: never acts on a stale term.
    expect(mayAct(held, 60_000, DEFAULT_LEASE_TIMING)).toBe(false);
    expect(mayAct(undefined, 10_000, DEFAULT_LEASE_TIMING)).toBe(false);
  });

  it("the deadline stops a leader before its lease can expire in the store", () => {
    expect(leaseTimingProblem(DEFAULT_LEASE_TIMING)).toBeUndefined();
    expect(leaseTimingProblem({ ttlMs: 5_000, renewEveryMs: 1_000, renewDeadlineMs: 5_000 })).toMatch(
      /shorter than/,
    );
    expect(leaseTimingProblem({ ttlMs: 5_000, renewEveryMs: 2_000, renewDeadlineMs: 3_000 })).toMatch(
      /at most half/,
    );
    expect(leaseTimingProblem({ ttlMs: 1_000, renewEveryMs: 200, renewDeadlineMs: 500 })).toMatch(
      /at least 2s/,
    );
  });

  it("work from a later term on any host supersedes this leader", () => {
    expect(supersededBy(7, [3, 7, 5])).toBeUndefined();
    expect(supersededBy(7, [3, 9, 8])).toBe(9);
    expect(supersededBy(7, [])).toBeUndefined();
  });
});
