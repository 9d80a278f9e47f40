// Hosts in least-allocated order (allocated fraction, then replicas in total,
// then name), one indexed heap per pool of statically eligible hosts, kept
// current as replicas are placed. A new replica of a service mostly goes to a
// host holding none of it yet, and the best such host is near the top of its
// pool: placing k replicas costs O(k·log hosts) instead of a scan of all hosts.
// Small pools are not kept (a scan is as fast), nor more than MAX_POOLS.

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

export class Pool {
  private readonly heap: number[];
  /** Position in `heap` per host index; -1 while the host is out (popped). */
  private readonly pos: Int32Array;

  constructor(
    members: Int32Array,
    hostCount: number,
    private readonly usage: Usage,
  ) {
    this.heap = Array.from(members);
    this.pos = new Int32Array(hostCount).fill(-1);
    this.heap.forEach((h, i) => (this.pos[h] = i));
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  pop(): number | undefined {
    const top = this.heap[0];
    if (top === undefined) return undefined;
    const last = this.heap.pop() ?? top;
    this.pos[top] = -1;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.pos[last] = 0;
      this.down(0);
    }
    return top;
  }

  push(h: number): void {
    this.heap.push(h);
    this.pos[h] = this.heap.length - 1;
    this.up(this.heap.length - 1);
  }

  /** The host's usage changed: restore heap order. */
  update(h: number): void {
    const i = this.pos[h] ?? -1;
    if (i < 0) return;
    this.up(i);
    this.down(this.pos[h] ?? i);
  }

  private less(a: number, b: number): boolean {
    return leastAllocatedLess(this.usage, a, b);
  }

  private up(start: number): void {
    const { heap, pos } = this;
    const x = heap[start] ?? 0;
    let i = start;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = heap[p] ?? 0;
      if (!this.less(x, parent)) break;
      heap[i] = parent;
      pos[parent] = i;
      i = p;
    }
    heap[i] = x;
    pos[x] = i;
  }

  private down(start: number): void {
    const { heap, pos } = this;
    const n = heap.length;
    const x = heap[start] ?? 0;
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && this.less(heap[r] ?? 0, heap[l] ?? 0)) c = r;
      const child = heap[c] ?? 0;
      if (!this.less(child, x)) break;
      heap[i] = child;
      pos[child] = i;
      i = c;
    }
    heap[i] = x;
    pos[x] = i;
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
