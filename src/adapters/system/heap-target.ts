// A soft bound on the operator's JS heap, as GOMEMLIMIT is for a Go
// controller. V8 grows its heap lazily while a process allocates fast, and
// collects fully only when the heap has grown well past what was alive at the
// last full collection: during a fleet deploy (thousands of Docker calls and
// replies a second) the operator's resident set peaked at several times what
// it keeps (1.4 GiB at 1,000 hosts, 69 MiB alive after the deploy). Here the
// heap in use is looked at every 100 ms (25 ms when it grows fast near the
// threshold; less often far below it) and collected at once when it passes
// the target. It never fails
// the process: when what is alive after a collection is itself near the
// target (a fleet larger than the target was set for), the next collection
// waits until the heap has grown by 30 % of it again, so collections are
// spaced by what stays alive, not by the target.

import v8 from "node:v8";
import vm from "node:vm";

/** How often the heap in use is compared with the target. */
const LOOK_MS = 100;
/**
 * Within this much of the threshold, while the heap grows fast (FAST_BYTES since the last look),
 * it is looked at four times as often: a deploy at 1,000 hosts allocates 100–150 MiB a second, so
 * a look every 100 ms let the heap in use pass the target by up to 15 MiB before the collection
 * (which the resident set then keeps). Idle, the heap grows slowly and the looks stay at LOOK_MS
 * (no more timer wake-ups than before).
 */
const NEAR_BYTES = 32 * 1024 * 1024;
const FAST_BYTES = 2 * 1024 * 1024;
/**
 * Far below the threshold, the next look waits until the heap could have reached it growing this
 * fast (bytes a ms; a 1,000-host deploy allocates 100–150 MiB a second), up to FAR_LOOK_MS: idle
 * at 300 hosts (40–50 MiB in use, target 96 MiB) a look every 200 ms instead of 100. Each
 * look reads V8's heap statistics (about 50 µs at that heap) and wakes the process.
 */
const FASTEST_BYTES_PER_MS = (200 * 1024 * 1024) / 1000;
const FAR_LOOK_MS = 1_000;
/**
 * After a collection, the next one waits for at least this much growth over what stayed alive.
 * 1.3: at 1,000 hosts 80–95 MiB stay alive during a deploy, and 1.5 let the heap in use reach
 * 140 MiB whatever the target (see bench/RESULTS.md, fleet scale).
 */
const GROWTH = 1.3;

export interface HeapTarget {
  /** Collections asked for so far (for logs and tests). */
  readonly collections: number;
  /** The heap in use above which the next collection is asked for. */
  readonly threshold: number;
  stop(): void;
}

/** The heap as the target sees it: bytes in use, and a full collection (V8's, or a test's). */
export interface HeapProbe {
  used(): number;
  collect(): void;
}

/** Starts looking at the heap; `targetBytes` of 0 or less does nothing. */
export function startHeapTarget(targetBytes: number, lookMs = LOOK_MS, heap?: HeapProbe): HeapTarget {
  if (targetBytes <= 0) return { collections: 0, threshold: Infinity, stop: () => undefined };
  const { used, collect } = heap ?? v8Heap();
  const state = { collections: 0, threshold: targetBytes };
  let timer: NodeJS.Timeout | undefined;
  let last = used();
  const look = (): void => {
    let now = used();
    const fast = now - last > FAST_BYTES;
    if (now >= state.threshold) {
      collect();
      state.collections++;
      now = used();
      state.threshold = Math.max(targetBytes, now * GROWTH);
    }
    last = now;
    timer = setTimeout(look, nextLook(state.threshold - now, fast, lookMs));
    timer.unref();
  };
  timer = setTimeout(look, lookMs);
  timer.unref();
  return {
    get collections() {
      return state.collections;
    },
    get threshold() {
      return state.threshold;
    },
    stop: () => {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}

/** When to look again, `room` bytes below the threshold (see NEAR_BYTES, FASTEST_BYTES_PER_MS). */
function nextLook(room: number, fast: boolean, lookMs: number): number {
  if (room < NEAR_BYTES) return fast ? Math.max(1, Math.round(lookMs / 4)) : lookMs;
  // Whole looks (100, 200, ... ms): Node keeps a list of timers per duration, made and dropped
  // in its queue of lists when a duration is new; a handful are reused.
  const looks = Math.max(1, Math.floor(room / FASTEST_BYTES_PER_MS / lookMs));
  return Math.min(FAR_LOOK_MS, looks * lookMs);
}

function v8Heap(): HeapProbe {
  const collect = fullCollection();
  return { used: () => v8.getHeapStatistics().used_heap_size, collect };
}

/**
 * After a burst of allocation (a deploy, each minute's poll pass), once the process is idle,
 * V8's memory reducer runs full collections to give memory back: at least two and up to
 * three, a few hundred ms apart, each marking the whole live heap and compacting. At 300
 * hosts the second and third freed under 1 MiB of objects each (96 → 38.5, then 38.3 and
 * 38.2 MiB in use) and together cost more CPU than the first. With this it runs one (V8's
 * own flag); what the others would have given back of the heap's committed pages (47 MiB
 * after the 300-host deploy) stays committed until the next full collection.
 */
export function reduceMemoryOnce(): void {
  v8.setFlagsFromString("--memory-reducer-single-gc");
}

/**
 * V8's full collection, as `node --expose-gc` exposes it: the flag only makes new contexts
 * carry `gc`, so one is made for it (the operator's own global is left as it is).
 */
function fullCollection(): () => void {
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
}
