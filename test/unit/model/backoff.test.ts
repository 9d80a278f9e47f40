import { describe, expect, it } from "vitest";
import { BackoffBook, backoffDelay, REPLICA_BACKOFF } from "../../../src/model/backoff.js";

const low = (): number => 0;
const high = (): number => 0.999_999;

describe("backoffDelay", () => {
  it("doubles from the base and stops at the cap", () => {
    const policy = { baseMs: 10_000, maxMs: 300_000, jitter: 0 };
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((n) => backoffDelay(n, policy, low))).toEqual([
      10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000,
    ]);
  });

  it("keeps half of each delay fixed and randomises the other half by default", () => {
    expect(backoffDelay(3, REPLICA_BACKOFF, low)).toBe(20_000);
    expect(backoffDelay(3, REPLICA_BACKOFF, high)).toBe(40_000);
    expect(backoffDelay(100, REPLICA_BACKOFF, high)).toBe(300_000);
  });

  it("treats attempt 0 or less as the first", () => {
    expect(backoffDelay(0, { baseMs: 100, maxMs: 1_000, jitter: 0 }, low)).toBe(100);
  });
});

describe("BackoffBook", () => {
  it("moves the retry further away with every failure in a row and forgets on success", () => {
    const book = new BackoffBook<string>({ baseMs: 10_000, maxMs: 300_000, jitter: 0 }, low);
    expect(book.failed("h1 img", 1_000, "manifest unknown")).toEqual({
      attempts: 1,
      since: 1_000,
      retryAt: 11_000,
      detail: "manifest unknown",
    });
    expect(book.waiting("h1 img", 10_999)).toBe(true);
    expect(book.waiting("h1 img", 11_000)).toBe(false);
    expect(book.failed("h1 img", 11_000, "again").retryAt).toBe(31_000);
    expect(book.get("h1 img")).toMatchObject({ attempts: 2, since: 1_000 });
    expect(book.nextRetryAt(11_000)).toBe(31_000);
    book.succeeded("h1 img");
    expect(book.waiting("h1 img", 12_000)).toBe(false);
    expect(book.failed("h1 img", 40_000, "new run").retryAt).toBe(50_000);
  });

  it("lists what waits, the earliest retry, and drops keys the caller no longer has", () => {
    const book = new BackoffBook<number>({ baseMs: 1_000, maxMs: 10_000, jitter: 0 }, low);
    book.failed("a", 0, 1);
    book.failed("b", 0, 2);
    book.failed("b", 1_000, 3);
    expect(book.pending(500).map(([k]) => k)).toEqual(["a", "b"]);
    expect(book.pending(1_500).map(([k]) => k)).toEqual(["b"]);
    expect(book.nextRetryAt(500)).toBe(1_000);
    expect(book.nextRetryAt(5_000)).toBeUndefined();
    book.retain((k) => k !== "a");
    expect(book.all().map(([k]) => k)).toEqual(["b"]);
  });
});
