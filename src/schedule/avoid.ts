// Between placement and rebalancing: slots whose replica stopped on a host the
// service should avoid for now (it was OOM-killed there: the host is short of
// memory for it) go to another feasible host, chosen as placement would
// (emptiest preference group, then the best host). Everything else is placed
// already, so the move takes only room that is really free and never pushes
// out other work; when no other host fits, the slot stays where it is: avoidance
// is a preference, never a reason to be unschedulable. A running replica is
// never moved for it: the avoidance is about where its replacement starts.

import { isLive } from "../model/observed.js";
import { dynamicReject, eligibleHosts } from "./filters.js";
import { moveReason } from "./reasons.js";
import { hostLess, PreferenceGroups } from "./spread.js";
import { assign, isBound, unassign, type Ctx, type ServiceWork } from "./work.js";

/** avoid: service → host → why (see ScheduleOptions.avoid). */
export function avoidHosts(
  ctx: Ctx,
  works: readonly ServiceWork[],
  avoid: ReadonlyMap<string, ReadonlyMap<string, string>>,
): void {
  if (avoid.size === 0) return;
  for (const work of works) {
    const hosts = avoid.get(work.spec.name);
    // A global service's slot is its host: there is nowhere else to go.
    if (hosts === undefined || hosts.size === 0 || work.spec.deploy.mode === "global") continue;
    relocate(ctx, work, hosts);
  }
}

function relocate(ctx: Ctx, work: ServiceWork, avoided: ReadonlyMap<string, string>): void {
  const { svcCount } = ctx;
  const prefs = PreferenceGroups.of(ctx, work.spec);
  const touched: number[] = [];
  const count = (h: number, delta: number): void => {
    if ((svcCount[h] = (svcCount[h] ?? 0) + delta) === 1 && delta > 0) touched.push(h);
    if (prefs.levels > 0) prefs.add(h, delta);
  };
  for (let i = 0; i < work.slots.length; i++) {
    const h = work.host[i] ?? -1;
    if (h >= 0) count(h, 1);
  }
  try {
    for (let i = 0; i < work.slots.length; i++) {
      const h = work.host[i] ?? -1;
      const from = ctx.hosts.hosts[h];
      const why = from === undefined ? undefined : avoided.get(from.name);
      const anchor = work.anchor[i];
      if (from === undefined || why === undefined || (anchor !== undefined && isLive(anchor))) continue;
      if (isBound(work, i)) continue; // its data is on this host: it is replaced here

      unassign(ctx, work, i);
      count(h, -1);
      const target = bestOther(ctx, work, prefs, avoided) ?? h;
      assign(ctx, work, i, target);
      count(target, 1);
      if (target === h) continue;
      work.anchor[i] = undefined;
      const slot = work.slots[i] ?? "";
      // A slot placed here by phase 2 had no replica: it simply goes elsewhere, no move to report.
      if (anchor !== undefined && !work.moves.has(slot)) {
        work.moves.set(slot, {
          from: from.name,
          code: "oom-killed",
          reason: moveReason("oom-killed", from.name, why),
        });
      }
    }
  } finally {
    for (const h of touched) svcCount[h] = 0;
  }
}

/** The host placement would pick among those that fit and are not avoided; undefined when none. */
function bestOther(
  ctx: Ctx,
  work: ServiceWork,
  prefs: PreferenceGroups,
  avoided: ReadonlyMap<string, string>,
): number | undefined {
  const less = hostLess(ctx);
  let best = -1;
  for (const h of eligibleHosts(ctx, work.spec)) {
    const host = ctx.hosts.hosts[h];
    if (host === undefined || avoided.has(host.name) || dynamicReject(ctx, work, host) !== undefined)
      continue;
    if (best < 0) best = h;
    else {
      const d = prefs.compare(h, best);
      if (d < 0 || (d === 0 && less(h, best))) best = h;
    }
  }
  return best < 0 ? undefined : best;
}
