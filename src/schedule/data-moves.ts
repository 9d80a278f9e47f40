// Data that moves on purpose: a slot bound to a draining host whose spec says
// `move_data: true` gets a target host, chosen as placement would (emptiest
// preference group, then the best host), from the room really free after
// everything else is placed. The slot itself stays where its data is: the
// controller stops the replica, copies and verifies the volumes, and only then
// does the binding (and so the replica) follow the data. No target: it stays,
// and status says why.

import type { ClusterSpec } from "../model/spec.js";
import { dynamicReject, eligibleHosts } from "./filters.js";
import { hostLess, PreferenceGroups } from "./spread.js";
import { boundSources } from "../model/volumes.js";
import type { VolumeView } from "./volume-affinity.js";
import type { Ctx, ServiceWork } from "./work.js";

/**
 * Hosts that already hold a volume of one of these names: a copy would have
 * to overwrite someone's data (an older, superseded copy too), so they are no
 * target. Only an unfinished copy of this very move may be copied over.
 */
function occupied(
  view: VolumeView | undefined,
  sources: readonly string[],
  service: string,
  slot: string,
  from: string,
): Set<string> {
  const wanted = new Set(sources);
  const out = new Set<string>();
  for (const v of view?.all ?? []) {
    if (!wanted.has(v.source)) continue;
    const ownCopy =
      v.copyOf === from && v.service === service && v.slot === slot && v.supersededBy === undefined;
    if (!ownCopy) out.add(v.host);
  }
  return out;
}

export function planDataMoves(
  ctx: Ctx,
  works: readonly ServiceWork[],
  cluster: ClusterSpec,
  view: VolumeView | undefined,
): void {
  const moving = new Set(cluster.hosts.filter((h) => h.drain && h.moveData === true).map((h) => h.name));
  if (moving.size === 0) return;
  for (const work of works) {
    if (work.bound === undefined) continue;
    const sources = boundSources(work.spec, cluster);
    for (let i = 0; i < work.slots.length; i++) {
      const from = work.bound[i];
      if (from === undefined || !moving.has(from.name) || (work.host[i] ?? -1) !== from.index) continue;
      const slot = work.slots[i] ?? "";
      const taken = occupied(view, sources, work.spec.name, slot, from.name);
      const h = target(ctx, work, from.index, taken);
      const to = ctx.hosts.hosts[h ?? -1];
      if (h === undefined || to === undefined) {
        (work.notes ??= []).push(
          `${work.spec.name}/${slot} stays on draining ${from.name}: no other host can take it and its data`,
        );
        continue;
      }
      // Its room on the target is taken now, so two moves never count on the same free space.
      ctx.usage.add(h, work.spec, work.ports);
      (work.dataMoves ??= []).push({
        service: work.spec.name,
        slot,
        from: from.name,
        to: to.name,
        volumes: sources,
      });
    }
  }
}

/** The host placement would pick for one more replica, other than `from`; undefined when none fits. */
function target(ctx: Ctx, work: ServiceWork, from: number, taken: ReadonlySet<string>): number | undefined {
  const { svcCount } = ctx;
  const prefs = PreferenceGroups.of(ctx, work.spec);
  const touched: number[] = [];
  for (let i = 0; i < work.slots.length; i++) {
    const h = work.host[i] ?? -1;
    if (h < 0) continue;
    if ((svcCount[h] = (svcCount[h] ?? 0) + 1) === 1) touched.push(h);
    if (prefs.levels > 0) prefs.add(h, 1);
  }
  try {
    const less = hostLess(ctx);
    let best = -1;
    for (const h of eligibleHosts(ctx, work.spec)) {
      const host = ctx.hosts.hosts[h];
      if (h === from || host === undefined || taken.has(host.name)) continue;
      if (dynamicReject(ctx, work, host) !== undefined) continue;
      if (best < 0) best = h;
      else {
        const d = prefs.compare(h, best);
        if (d < 0 || (d === 0 && less(h, best))) best = h;
      }
    }
    return best < 0 ? undefined : best;
  } finally {
    for (const h of touched) svcCount[h] = 0;
  }
}
