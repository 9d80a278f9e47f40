// A binary min-heap of host indexes under a caller's ordering. Keys may change
// only for the element just popped (it is pushed back), which is all placement needs.

export class IndexHeap {
  private readonly items: number[];

  constructor(
    items: number[],
    private readonly less: (a: number, b: number) => boolean,
  ) {
    this.items = items;
    for (let i = (items.length >> 1) - 1; i >= 0; i--) this.down(i);
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
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      this.down(0);
    }
    return top;
  }

  push(x: number): void {
    const items = this.items;
    items.push(x);
    let i = items.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p] ?? 0;
      if (!this.less(x, parent)) break;
      items[i] = parent;
      i = p;
    }
    items[i] = x;
  }

  private down(start: number): void {
    const items = this.items;
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
      i = c;
    }
    items[i] = x;
  }
}
