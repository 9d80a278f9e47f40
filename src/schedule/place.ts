// Phase 2: give every slot without a host the best host that passes every
// filter (see spread.ts for "best"). The fast path (fast-place.ts) places what
// it can; the general path puts the fitting hosts in one heap per preference
// group and sends each replica to the emptiest group, then the best host
// there: O(hosts + replicas·log hosts) per service.

import { fastFill } from "./fast-place.js";
import { dynamicReject, eligibleHosts, fullReject } from "./filters.js";
import { IndexHeap } from "./heap.js";
import { RejectionTally, rejectDetail, unschedulableOf } from "./reasons.js";
import { hostLess, PreferenceGroups } from "./spread.js";
import { assign, type Ctx, type ServiceWork } from "./work.js";

interface Group {
  readonly heap: IndexHeap;
}

export function placeService(ctx: Ctx, work: ServiceWork): void {
  const unplaced: number[] = [];
  // Slots waiting for the host that holds their volumes are not placed elsewhere.
  for (let i = 0; i < work.slots.length; i++)
    if ((work.host[i] ?? -1) < 0 && work.waiting?.has(i) !== true) unplaced.push(i);
  if (unplaced.length === 0) return;
  if (work.spec.deploy.mode === "global") placeGlobal(ctx, work, unplaced);
  else placeReplicated(ctx, work, unplaced);
}

function placeGlobal(ctx: Ctx, work: ServiceWork, unplaced: readonly number[]): void {
  const tally = new RejectionTally();
  const failed: string[] = [];
  for (const i of unplaced) {
    const slot = work.slots[i] ?? "";
    const host = ctx.hosts.byName.get(slot);
    const reject = host === undefined ? { code: "host-unknown" as const } : fullReject(ctx, work, host);
    if (host !== undefined && reject === undefined) {
      assign(ctx, work, i, host.index);
      continue;
    }
    failed.push(slot);
    if (reject !== undefined) tally.add(reject.code, rejectDetail(reject.code, work.spec, reject.extra));
  }
  if (failed.length > 0) {
    work.unschedulable = unschedulableOf(work.spec, failed, ctx.hosts.hosts, 0, tally.reasons());
  }
}

function placeReplicated(ctx: Ctx, work: ServiceWork, unplaced: readonly number[]): void {
  const { svcCount } = ctx;
  const touched: number[] = [];
  const prefs = PreferenceGroups.of(ctx, work.spec);
  for (let i = 0; i < work.slots.length; i++) {
    const h = work.host[i] ?? -1;
    if (h < 0) continue;
    if ((svcCount[h] = (svcCount[h] ?? 0) + 1) === 1) touched.push(h);
    if (prefs.levels > 0) prefs.add(h, 1);
  }
  let next = fastFill(ctx, work, prefs, unplaced, touched);
  const less = hostLess(ctx);
  const groups = next < unplaced.length ? buildGroups(ctx, work, prefs, less) : [];
  for (; next < unplaced.length; next++) {
    const g = pickGroup(groups, prefs, less);
    if (g === undefined) break;
    const h = g.heap.pop() ?? -1;
    const host = ctx.hosts.hosts[h];
    if (host === undefined) break;
    assign(ctx, work, unplaced[next] ?? 0, h);
    if ((svcCount[h] = (svcCount[h] ?? 0) + 1) === 1) touched.push(h);
    if (prefs.levels > 0) prefs.add(h, 1);
    if (dynamicReject(ctx, work, host) === undefined) g.heap.push(h);
  }
  if (next < unplaced.length) {
    const failed = unplaced.slice(next).map((i) => work.slots[i] ?? "");
    work.unschedulable = explainFailure(ctx, work, failed);
  }
  for (const h of touched) svcCount[h] = 0;
}

function buildGroups(
  ctx: Ctx,
  work: ServiceWork,
  prefs: PreferenceGroups,
  less: (a: number, b: number) => boolean,
): Group[] {
  const members = new Map<number, number[]>();
  const hosts = ctx.hosts.hosts;
  for (const h of eligibleHosts(ctx, work.spec)) {
    const host = hosts[h];
    if (host === undefined || dynamicReject(ctx, work, host) !== undefined) continue;
    const key = prefs.leaf(h);
    const list = members.get(key);
    if (list === undefined) members.set(key, [h]);
    else list.push(h);
  }
  return [...members.values()].map((list) => ({ heap: new IndexHeap(list, less) }));
}

function pickGroup(
  groups: readonly Group[],
  prefs: PreferenceGroups,
  less: (a: number, b: number) => boolean,
): Group | undefined {
  let best: Group | undefined;
  let bestTop = -1;
  for (const g of groups) {
    const top = g.heap.peek();
    if (top === undefined) continue;
    if (best === undefined) {
      best = g;
      bestTop = top;
      continue;
    }
    const d = prefs.compare(top, bestTop);
    if (d < 0 || (d === 0 && less(top, bestTop))) {
      best = g;
      bestTop = top;
    }
  }
  return best;
}

function explainFailure(ctx: Ctx, work: ServiceWork, failed: readonly string[]) {
  const tally = new RejectionTally();
  let available = 0;
  for (const host of ctx.hosts.hosts) {
    const reject = fullReject(ctx, work, host);
    if (reject === undefined) available++;
    else tally.add(reject.code, rejectDetail(reject.code, work.spec, reject.extra));
  }
  return unschedulableOf(work.spec, failed, ctx.hosts.hosts, available, tally.reasons());
}
