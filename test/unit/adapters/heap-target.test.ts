// The heap's soft bound, on this process's own V8: garbage made past the target
// is collected without waiting for V8's pace, what stays alive above the target
// only spaces the collections out (no failure, no collection on every look),
// and a target of 0 does nothing.

import v8 from "node:v8";
import { afterEach, describe, expect, it, vi } from "vitest";
import { startHeapTarget, type HeapTarget } from "../../../src/adapters/system/heap-target.js";

const MiB = 1024 * 1024;
const used = (): number => v8.getHeapStatistics().used_heap_size;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * About `mib` MiB of garbage, a MiB at a time with timers running in between; each slice stays
 * alive for the next 24 (as a deploy's calls in flight do), long enough to leave the young
 * generation, so it is garbage of the old one: what only a full collection takes back.
 */
async function garbage(mib: number): Promise<void> {
  const alive: string[][] = [];
  for (let i = 0; i < mib; i++) {
    const slice: string[] = [];
    for (let j = 0; j < 1024; j++) slice.push(`${i}-${j}-${"x".repeat(1000)}`);
    alive.push(slice);
    if (alive.length > 24) alive.shift();
    await sleep(1);
  }
}

describe("startHeapTarget", { timeout: 60_000 }, () => {
  it("collects once the heap in use passes the target", async () => {
    const target = startHeapTarget(used() + 16 * MiB, 10);
    try {
      await garbage(200);
      expect(target.collections).toBeGreaterThan(0);
    } finally {
      target.stop();
    }
  });

  it("spaces collections out when what stays alive is above the target, and never fails", async () => {
    // About 40 MiB kept alive (arrays of doubles live in the heap), over a target of 16 MiB.
    const kept = Array.from({ length: 40 }, (_, i) => new Array<number>(MiB / 8).fill(i + 0.5));
    const target = startHeapTarget(16 * MiB, 10);
    try {
      await garbage(100);
      // Each collection waits for the heap to grow by half of what stayed alive: a few, not one
      // per look (about a hundred looks in this loop).
      expect(target.collections).toBeGreaterThan(0);
      expect(target.collections).toBeLessThan(10);
      expect(target.threshold).toBeGreaterThan(40 * MiB);
    } finally {
      target.stop();
    }
    expect(kept.length).toBe(40);
  });

  it("does nothing with a target of 0", async () => {
    const target = startHeapTarget(0, 10);
    await garbage(50);
    expect(target.collections).toBe(0);
    target.stop();
  });
});

describe("startHeapTarget's looks", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /**
   * A heap that grows by `perMs` bytes a millisecond of (fake) time; a collection leaves `alive`.
   * `looks`: how often its use was read.
   */
  function fakeHeap(
    alive: number,
    perMs: number,
  ): { used(): number; collect(): void; readonly peak: number; readonly looks: number } {
    let base = alive;
    let since = Date.now();
    let peak = 0;
    let looks = 0;
    return {
      used() {
        looks++;
        const u = base + (Date.now() - since) * perMs;
        peak = Math.max(peak, u);
        return u;
      },
      collect() {
        base = alive;
        since = Date.now();
      },
      get peak() {
        return peak;
      },
      get looks() {
        return looks;
      },
    };
  }

  /** A target of `targetBytes` over `heap` (looking every 100 ms at its own pace), run for `ms` of fake time. */
  function runTarget(targetBytes: number, heap: ReturnType<typeof fakeHeap>, ms: number): HeapTarget {
    const target = startHeapTarget(targetBytes, 100, heap);
    try {
      vi.advanceTimersByTime(ms);
    } finally {
      target.stop();
    }
    return target;
  }

  it("looks four times as often near the threshold: the heap passes the target by a quarter as much", () => {
    vi.useFakeTimers();
    // 150 MiB a second (a 1,000-host deploy), 60 MiB alive, target 160 MiB.
    const heap = fakeHeap(60 * MiB, 0.15 * MiB);
    const target = runTarget(160 * MiB, heap, 10_000);
    expect(target.collections).toBeGreaterThan(5);
    // A look every 100 ms lets it pass by up to 15 MiB; every 25 ms, by under 4 MiB.
    expect(heap.peak - 160 * MiB).toBeLessThan(4 * MiB);
  });

  it("looks at its own pace near the threshold while the heap grows slowly (an idle operator)", () => {
    vi.useFakeTimers();
    // 100 MiB alive, growing 1 MiB a second: within 32 MiB of the 160 MiB target for a minute.
    const heap = fakeHeap(140 * MiB, 0.001 * MiB);
    runTarget(160 * MiB, heap, 10_000);
    // One look every 100 ms (each reads the heap once, and once at the start).
    expect(heap.looks).toBeGreaterThanOrEqual(99);
    expect(heap.looks).toBeLessThanOrEqual(102);
  });

  it("far below the threshold, looks only as often as the heap could reach it (an idle operator: 5 a second)", () => {
    vi.useFakeTimers();
    // 40 MiB in use, target 96 MiB (the default): 56 MiB of room, 280 ms at 200 MiB a second,
    // in whole looks 200 ms.
    const heap = fakeHeap(40 * MiB, 0);
    const target = runTarget(96 * MiB, heap, 10_000);
    // A look every 100 ms would be 100 of them.
    expect(heap.looks).toBeGreaterThanOrEqual(48);
    expect(heap.looks).toBeLessThanOrEqual(52);
    expect(target.collections).toBe(0);
  });

  it("a burst at 200 MiB a second from far below still collects near the target (fewer looks lose no bound)", () => {
    vi.useFakeTimers();
    const heap = fakeHeap(40 * MiB, 0.2 * MiB);
    const target = runTarget(96 * MiB, heap, 5_000);
    expect(target.collections).toBeGreaterThan(3);
    // Passed by no more than a look every 25 ms lets it (5 MiB at this pace).
    expect(heap.peak - 96 * MiB).toBeLessThan(6 * MiB);
  });
});
