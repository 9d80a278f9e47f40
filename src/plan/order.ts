// Rollout order: a service's dependencies (depends_on) before it, otherwise by
// name; `waitFor` names the dependencies that change in this plan. Kahn's
// algorithm with the ready set kept sorted. The spec loader rejects cycles;
// should one slip through, the remaining rollouts follow by name.

import type { Rollout } from "./types.js";

const byService = (a: Rollout, b: Rollout): number =>
  a.service < b.service ? -1 : a.service > b.service ? 1 : 0;

export function orderRollouts(rollouts: readonly Rollout[]): Rollout[] {
  const byName = new Map(rollouts.map((r) => [r.service, r]));
  const waiting = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const r of rollouts) {
    const deps = [...new Set(r.dependsOn)].filter((d) => byName.has(d) && d !== r.service);
    waiting.set(r.service, deps.length);
    for (const d of deps) dependents.set(d, [...(dependents.get(d) ?? []), r.service]);
  }
  const ready = rollouts.filter((r) => waiting.get(r.service) === 0).sort(byService);
  const out: Rollout[] = [];
  const done = new Set<string>();
  while (out.length < rollouts.length) {
    let next = ready.shift();
    if (next === undefined) {
      next = rollouts.filter((r) => !done.has(r.service)).sort(byService)[0]; // cycle
      if (next === undefined) break;
    }
    if (done.has(next.service)) continue;
    done.add(next.service);
    out.push({ ...next, waitFor: next.dependsOn.filter((d) => byName.has(d) && d !== next.service).sort() });
    for (const dep of dependents.get(next.service) ?? []) {
      const left = (waiting.get(dep) ?? 0) - 1;
      waiting.set(dep, left);
      const r = byName.get(dep);
      if (left === 0 && r !== undefined && !done.has(dep)) insertSorted(ready, r);
    }
  }
  return out;
}

function insertSorted(list: Rollout[], r: Rollout): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const m = list[mid];
    if (m !== undefined && byService(m, r) < 0) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, r);
}
