// Fast paths of phase 2. While a host holding no replica of the service
// fits, the greedy choice (fewest of this service, then least allocated) is
// the first fitting host in its pool's least-allocated order, so placing k
// replicas costs O(k·log hosts). With placement preferences, each leaf group
// (e.g. zone) has its own pool and each replica goes to the emptiest group's
// best host. As soon as the exact greedy would pick a host that already holds
// a replica (or a pool is not kept), the general path in place.ts takes over.

import { dynamicReject, eligibilityKey, eligibleHosts } from "./filters.js";
import { leastAllocatedLess, type Pool } from "./pools.js";
import { PreferenceGroups, preferenceLayout } from "./spread.js";
import { assign, type Ctx, type ServiceWork } from "./work.js";

const NOT_YET = -2;
const EXHAUSTED = -1;

/** Places what the fast path can; returns how many of `unplaced` got a host. */
export function fastFill(
  ctx: Ctx,
  work: ServiceWork,
  prefs: PreferenceGroups,
  unplaced: readonly number[],
  touched: number[],
): number {
  const key = eligibilityKey(work.spec);
  const eligible = eligibleHosts(ctx, work.spec, key);
  const groups = prefs.levels === 0 ? [eligible] : leafGroups(ctx, work, key, eligible);
  const pools: Pool[] = [];
  for (let g = 0; g < groups.length; g++) {
    const pool = ctx.pools.get(`${key}\u0002${prefKey(work)}\u0002${g}`, groups[g] ?? new Int32Array(0));
    if (pool === undefined) return 0;
    pools.push(pool);
  }
  const popped: number[][] = pools.map(() => []);
  const cand = new Int32Array(pools.length).fill(NOT_YET);
  let next = 0;
  try {
    while (next < unplaced.length) {
      let best = -1;
      for (let g = 0; g < pools.length; g++) {
        if (cand[g] === NOT_YET) cand[g] = advance(ctx, work, pools[g], popped[g]);
        if (best < 0) {
          best = g;
          continue;
        }
        const d = prefs.levels === 0 ? 0 : prefs.compare(groups[g]?.[0] ?? 0, groups[best]?.[0] ?? 0);
        const cg = cand[g] ?? EXHAUSTED;
        const cb = cand[best] ?? EXHAUSTED;
        if (d < 0 || (d === 0 && cg >= 0 && (cb < 0 || leastAllocatedLess(ctx.usage, cg, cb)))) best = g;
      }
      const h = cand[best] ?? EXHAUSTED;
      if (h < 0) break; // the emptiest group has no fresh host: only the general path knows
      assign(ctx, work, unplaced[next++] ?? 0, h);
      ctx.svcCount[h] = 1;
      touched.push(h);
      if (prefs.levels > 0) prefs.add(h, 1);
      cand[best] = NOT_YET;
    }
  } finally {
    pools.forEach((pool, g) => {
      for (const h of popped[g] ?? []) pool.push(h);
    });
  }
  return next;
}

function prefKey(work: ServiceWork): string {
  return work.spec.deploy.placement.preferences.map((p) => p.spread).join("\u0000");
}

/** Eligible hosts split by deepest preference group, cached per (constraints, preferences). */
function leafGroups(ctx: Ctx, work: ServiceWork, key: string, eligible: Int32Array): Int32Array[] {
  const cacheKey = `${key}\u0002${prefKey(work)}`;
  const cached = ctx.leafCache.get(cacheKey);
  if (cached !== undefined) return cached;
  const layout = preferenceLayout(ctx, work.spec);
  const leaf = layout.ids[layout.ids.length - 1];
  const byGroup = new Map<number, number[]>();
  for (const h of eligible) {
    const g = leaf?.[h] ?? 0;
    const list = byGroup.get(g);
    if (list === undefined) byGroup.set(g, [h]);
    else list.push(h);
  }
  const groups = [...byGroup.keys()].sort((a, b) => a - b).map((g) => Int32Array.from(byGroup.get(g) ?? []));
  ctx.leafCache.set(cacheKey, groups);
  return groups;
}

/** Pops from the pool until a host without a replica of the service fits; remembers what it popped. */
function advance(ctx: Ctx, work: ServiceWork, pool: Pool | undefined, out: number[] | undefined): number {
  if (pool === undefined || out === undefined) return EXHAUSTED;
  for (;;) {
    const h = pool.pop();
    if (h === undefined) return EXHAUSTED;
    out.push(h);
    const host = ctx.hosts.hosts[h];
    if ((ctx.svcCount[h] ?? 0) === 0 && host !== undefined && dynamicReject(ctx, work, host) === undefined)
      return h;
  }
}
