// Spread scoring shared by placement and rebalancing. A host is better when,
// in this order: its placement.preferences groups (e.g. zone) hold fewer
// replicas of the service; it holds fewer replicas of the service; it is less
// allocated; it holds fewer replicas in total; its name sorts first.

import type { ServiceSpec } from "../model/spec.js";
import { nodeAttribute } from "./constraints.js";
import type { Ctx } from "./work.js";

/** Group ids per preference level, computed once per list of spread keys. */
export interface PreferenceLayout {
  /** Per level: host index → group id (hierarchical: a level-2 group lies in one level-1 group). */
  readonly ids: readonly Int32Array[];
  readonly groupCounts: readonly number[];
}

export function preferenceLayout(ctx: Ctx, spec: ServiceSpec): PreferenceLayout {
  const spreads = spec.deploy.placement.preferences.map((p) => p.spread);
  const sig = spreads.join("\u0000");
  const cached = ctx.prefCache.get(sig);
  if (cached !== undefined) return cached;
  const hosts = ctx.hosts.hosts;
  const ids: Int32Array[] = [];
  const groupCounts: number[] = [];
  let parent = new Int32Array(hosts.length);
  for (const spread of spreads) {
    const intern = new Map<string, number>();
    const level = new Int32Array(hosts.length);
    for (const host of hosts) {
      // Hosts without the label form their own group ("" value), as in Swarm.
      const key = `${parent[host.index] ?? 0}\u0000${nodeAttribute(host, spread) ?? ""}`;
      let id = intern.get(key);
      if (id === undefined) intern.set(key, (id = intern.size));
      level[host.index] = id;
    }
    ids.push(level);
    groupCounts.push(intern.size);
    parent = level;
  }
  const layout = { ids, groupCounts };
  ctx.prefCache.set(sig, layout);
  return layout;
}

/** Replicas of one service per preference group, level by level. */
export class PreferenceGroups {
  readonly levels: number;
  private readonly counts: Int32Array[];

  constructor(private readonly layout: PreferenceLayout) {
    this.levels = layout.ids.length;
    this.counts = layout.groupCounts.map((n) => new Int32Array(n));
  }

  static of(ctx: Ctx, spec: ServiceSpec): PreferenceGroups {
    return new PreferenceGroups(preferenceLayout(ctx, spec));
  }

  /** The host's group at the deepest level (-1 without preferences). */
  leaf(h: number): number {
    return this.levels === 0 ? -1 : (this.layout.ids[this.levels - 1]?.[h] ?? 0);
  }

  group(level: number, h: number): number {
    return this.layout.ids[level]?.[h] ?? 0;
  }

  count(level: number, h: number): number {
    return this.counts[level]?.[this.group(level, h)] ?? 0;
  }

  add(h: number, delta: number): void {
    for (let l = 0; l < this.levels; l++) {
      const c = this.counts[l];
      const g = this.group(l, h);
      if (c !== undefined) c[g] = (c[g] ?? 0) + delta;
    }
  }

  /** Compares the group counts of two hosts level by level: <0 when a's groups are emptier. */
  compare(a: number, b: number): number {
    for (let l = 0; l < this.levels; l++) {
      const d = this.count(l, a) - this.count(l, b);
      if (d !== 0) return d;
    }
    return 0;
  }
}

/** Host order within one preference group (or overall when there are no preferences). */
export function hostLess(ctx: Ctx): (a: number, b: number) => boolean {
  const { svcCount } = ctx;
  const { score, total } = ctx.usage;
  return (a, b) => {
    const ca = svcCount[a] ?? 0;
    const cb = svcCount[b] ?? 0;
    if (ca !== cb) return ca < cb;
    const fa = score[a] ?? 0;
    const fb = score[b] ?? 0;
    if (fa !== fb) return fa < fb;
    const ta = total[a] ?? 0;
    const tb = total[b] ?? 0;
    return ta !== tb ? ta < tb : a < b;
  };
}
