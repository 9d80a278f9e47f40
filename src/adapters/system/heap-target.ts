// A soft bound on the operator's JS heap, as GOMEMLIMIT is for a Go
// controller. V8 grows its heap lazily while a process allocates fast, and
// collects fully only when the heap has grown well past what was alive at the
// last full collection: during a fleet deploy (thousands of Docker calls and
// replies a second) the operator's resident set peaked at several times what
// it keeps (1.4 GiB at 1,000 hosts, 69 MiB alive after the deploy). Here the
// heap in use is looked at every 100 ms and collected at once when it passes
// the target. It never fails the process: when what is alive after a
// collection is itself near the target (a fleet larger than the target was
// set for), the next collection waits until the heap has grown by half of it
// again, so collections never come closer together than V8's own pace.

import v8 from "node:v8";
import vm from "node:vm";

/** How often the heap in use is compared with the target. */
const LOOK_MS = 100;
/** After a collection, the next one waits for at least this much growth over what stayed alive. */
const GROWTH = 1.5;

export interface HeapTarget {
  /** Collections asked for so far (for logs and tests). */
  readonly collections: number;
  /** The heap in use above which the next collection is asked for. */
  readonly threshold: number;
  stop(): void;
}

/** Starts looking at the heap; `targetBytes` of 0 or less does nothing. */
export function startHeapTarget(targetBytes: number, lookMs = LOOK_MS): HeapTarget {
  if (targetBytes <= 0) return { collections: 0, threshold: Infinity, stop: () => undefined };
  const collect = fullCollection();
  const used = (): number => v8.getHeapStatistics().used_heap_size;
  const state = { collections: 0, threshold: targetBytes };
  const timer = setInterval(() => {
    if (used() < state.threshold) return;
    collect();
    state.collections++;
    state.threshold = Math.max(targetBytes, used() * GROWTH);
  }, lookMs);
  timer.unref();
  return {
    get collections() {
      return state.collections;
    },
    get threshold() {
      return state.threshold;
    },
    stop: () => clearInterval(timer),
  };
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
