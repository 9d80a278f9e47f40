// A binary min-heap of host indexes under a caller's ordering. It knows where
// each index sits, so a host whose key changed in place (its usage grew) is
// moved to its new position with update(); popped hosts are out until pushed.

export class IndexHeap {
  private readonly items: number[];
  /** Position in `items` per index; -1 while the index is out (popped, or never in). */
  private readonly pos: Int32Array;

  /** `indexCount`: one more than the largest index ever pushed (default: of the initial items). */
  constructor(
    items: readonly number[],
    private readonly less: (a: number, b: number) => boolean,
    indexCount = items.reduce((m, x) => Math.max(m, x + 1), 0),
  ) {
    this.items = [...items];
    this.pos = new Int32Array(indexCount).fill(-1);
    this.items.forEach((x, i) => (this.pos[x] = i));
    for (let i = (this.items.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  get size(): number {
    return this.items.length;
  }

  peek(): number | undefined {
    return this.items[0];
  }

  pop(): number | undefined {
    const items = this.items;
    const top = items[0];
    if (top === undefined) return undefined;
    const last = items.pop() ?? top;
    this.pos[top] = -1;
    if (items.length > 0) {
      items[0] = last;
      this.pos[last] = 0;
      this.down(0);
    }
    return top;
  }

  push(x: number): void {
    this.items.push(x);
    this.pos[x] = this.items.length - 1;
    this.up(this.items.length - 1);
  }

  /** The key of `x` changed: restore heap order (no-op while it is out). */
  update(x: number): void {
    const i = this.pos[x] ?? -1;
    if (i < 0) return;
    this.up(i);
    this.down(this.pos[x] ?? i);
  }

  private up(start: number): void {
    const { items, pos } = this;
    const x = items[start] ?? 0;
    let i = start;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p] ?? 0;
      if (!this.less(x, parent)) break;
      items[i] = parent;
      pos[parent] = i;
      i = p;
    }
    items[i] = x;
    pos[x] = i;
  }

  private down(start: number): void {
    const { items, pos } = this;
    const n = items.length;
    const x = items[start] ?? 0;
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && this.less(items[r] ?? 0, items[l] ?? 0)) c = r;
      const child = items[c] ?? 0;
      if (!this.less(child, x)) break;
      items[i] = child;
      pos[child] = i;
      i = c;
    }
    items[i] = x;
    pos[x] = i;
  }
}
