// Hosts in least-allocated order (allocated fraction, then replicas in total,
// then name), one indexed heap per pool of statically eligible hosts, kept
// current as replicas are placed. A new replica of a service mostly goes to a
// host holding none of it yet, and the best such host is near the top of its
// pool: placing k replicas costs O(k·log hosts) instead of a scan of all hosts.
// Small pools are not kept (a scan is as fast), nor more than MAX_POOLS.

import { IndexHeap } from "./heap.js";
import type { Usage } from "./usage.js";

const MIN_POOL = 32;
const MAX_POOLS = 256;

/** Least allocated first, then fewest replicas in total, then host name (index). */
export function leastAllocatedLess(usage: Usage, a: number, b: number): boolean {
  const { score, total } = usage;
  const sa = score[a] ?? 0;
  const sb = score[b] ?? 0;
  if (sa !== sb) return sa < sb;
  const ta = total[a] ?? 0;
  const tb = total[b] ?? 0;
  return ta !== tb ? ta < tb : a < b;
}

/** Hosts of one placement pool, least allocated first. */
export class Pool extends IndexHeap {
  constructor(members: Int32Array, hostCount: number, usage: Usage) {
    super(Array.from(members), (a, b) => leastAllocatedLess(usage, a, b), hostCount);
  }
}

export class HostPools {
  private readonly pools = new Map<string, Pool>();
  /** Per host, the pools it belongs to. */
  private readonly memberOf: Pool[][];

  constructor(
    private readonly usage: Usage,
    private readonly hostCount: number,
  ) {
    this.memberOf = Array.from({ length: hostCount }, () => []);
  }

  /** The pool for an eligibility key, built on first use; undefined when not worth keeping. */
  get(key: string, members: Int32Array): Pool | undefined {
    const existing = this.pools.get(key);
    if (existing !== undefined) return existing;
    if (members.length < MIN_POOL || this.pools.size >= MAX_POOLS) return undefined;
    const pool = new Pool(members, this.hostCount, this.usage);
    this.pools.set(key, pool);
    for (const h of members) this.memberOf[h]?.push(pool);
    return pool;
  }

  /** Usage of host h changed. */
  touched(h: number): void {
    const list = this.memberOf[h];
    if (list === undefined) return;
    for (const p of list) p.update(h);
  }
}
