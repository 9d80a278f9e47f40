// The scheduler's one heap (placement groups and host pools): pops in key
// order, and update() repairs the order after a key changed in place.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IndexHeap } from "../../../src/schedule/heap.js";

describe("IndexHeap", () => {
  it("pops every index in key order, ties by index", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 60 }), (keys) => {
        const less = (a: number, b: number): boolean =>
          (keys[a] ?? 0) - (keys[b] ?? 0) < 0 || (keys[a] === keys[b] && a < b);
        const heap = new IndexHeap(
          keys.map((_, i) => i),
          less,
        );
        const out: number[] = [];
        for (let x = heap.pop(); x !== undefined; x = heap.pop()) out.push(x);
        expect(out).toEqual(keys.map((_, i) => i).sort((a, b) => (less(a, b) ? -1 : 1)));
      }),
    );
  });

  it("keeps order when keys change in place and popped indexes come back", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 50 }), fc.boolean()), { maxLength: 80 }),
        (initial, ops) => {
          const keys = [...initial];
          const less = (a: number, b: number): boolean =>
            (keys[a] ?? 0) < (keys[b] ?? 0) || (keys[a] === keys[b] && a < b);
          const heap = new IndexHeap(
            keys.map((_, i) => i),
            less,
          );
          const out = new Set<number>();
          for (const [pick, key, popFirst] of ops) {
            if (popFirst) {
              const top = heap.pop();
              // The top is the least of what is in.
              const inside = keys.map((_, i) => i).filter((i) => !out.has(i));
              expect(top).toBe(inside.sort((a, b) => (less(a, b) ? -1 : 1))[0]);
              if (top !== undefined) out.add(top);
            }
            const x = pick % keys.length;
            keys[x] = key;
            if (out.has(x)) {
              out.delete(x);
              heap.push(x);
            } else heap.update(x);
          }
          expect(heap.size).toBe(keys.length - out.size);
        },
      ),
    );
  });
});
