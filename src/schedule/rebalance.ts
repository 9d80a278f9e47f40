// Optional phase 3: when hosts join or return, replicated services stay where
// they are (stability) and the spread drifts. Rebalancing moves one replica per
// service per pass, and only of services whose every replica is running,
// healthy and current, so a move never takes the service below its healthy
// minimum; a bounded number per pass keeps the churn small.

import { moveReason } from "./reasons.js";
import { isHealthy } from "./replica-order.js";
import { dynamicReject, eligibleHosts } from "./filters.js";
import { hostLess, PreferenceGroups } from "./spread.js";
import { assign, unassign, type Ctx, type ServiceWork } from "./work.js";

export function rebalance(ctx: Ctx, works: readonly ServiceWork[], limit: number): void {
  let moved = 0;
  for (const work of works) {
    if (moved >= limit) return;
    if (!settled(work)) continue;
    if (rebalanceOne(ctx, work)) moved++;
  }
}

/** Every slot kept on its host, with a healthy replica of the desired spec, nothing moving. */
function settled(work: ServiceWork): boolean {
  if (work.spec.deploy.mode !== "replicated" || work.moves.size > 0 || work.unschedulable !== undefined)
    return false;
  // Replicas bound to their hosts by volumes are never moved to even out the spread.
  if (work.bound?.some((h) => h !== undefined) === true || work.waiting !== undefined) return false;
  for (let i = 0; i < work.slots.length; i++) {
    const a = work.anchor[i];
    if (a === undefined || a.specHash !== work.spec.specHash || !isHealthy(a)) return false;
  }
  return work.slots.length > 1;
}

function rebalanceOne(ctx: Ctx, work: ServiceWork): boolean {
  const { svcCount } = ctx;
  const hosts = ctx.hosts.hosts;
  const prefs = PreferenceGroups.of(ctx, work.spec);
  const touched: number[] = [];
  for (let i = 0; i < work.slots.length; i++) {
    const h = work.host[i] ?? -1;
    if ((svcCount[h] = (svcCount[h] ?? 0) + 1) === 1) touched.push(h);
    if (prefs.levels > 0) prefs.add(h, 1);
  }
  try {
    let source = -1;
    for (const h of touched) {
      if (source < 0) source = h;
      else {
        const d = prefs.compare(h, source) || (svcCount[h] ?? 0) - (svcCount[source] ?? 0) || h - source;
        if (d > 0) source = h;
      }
    }
    const less = hostLess(ctx);
    let target = -1;
    for (const h of eligibleHosts(ctx, work.spec)) {
      const host = hosts[h];
      if (h === source || host === undefined || dynamicReject(ctx, work, host) !== undefined) continue;
      if (target < 0) target = h;
      else {
        const d = prefs.compare(h, target);
        if (d < 0 || (d === 0 && less(h, target))) target = h;
      }
    }
    if (source < 0 || target < 0 || !improves(prefs, svcCount, source, target)) return false;
    let slot = -1;
    for (let i = 0; i < work.slots.length; i++) if (work.host[i] === source) slot = i;
    const from = hosts[source]?.name ?? "";
    const to = hosts[target]?.name ?? "";
    unassign(ctx, work, slot);
    assign(ctx, work, slot, target);
    work.anchor[slot] = undefined;
    const detail = `${from} has ${svcCount[source] ?? 0} replicas, ${to} has ${svcCount[target] ?? 0}`;
    work.moves.set(work.slots[slot] ?? "", {
      from,
      code: "rebalance",
      reason: moveReason("rebalance", from, detail),
    });
    return true;
  } finally {
    for (const h of touched) svcCount[h] = 0;
  }
}

/** Moving one replica from source to target strictly narrows the first level where they differ. */
function improves(prefs: PreferenceGroups, svcCount: Int32Array, source: number, target: number): boolean {
  for (let l = 0; l < prefs.levels; l++) {
    if (prefs.group(l, source) === prefs.group(l, target)) continue; // same group: look one level down
    return prefs.count(l, target) + 1 < prefs.count(l, source);
  }
  return (svcCount[target] ?? 0) + 1 < (svcCount[source] ?? 0);
}
