// What cannot change on a running edge container (its shape: cluster and
// image) and the service names the names edge answers to: both decided from
// the desired state alone, before any host is touched.

import type { ServiceSpec } from "../model/spec.js";
import type { EdgeShape } from "../ports/edge.js";

export function edgeShape(cluster: string, image: string): EdgeShape {
  return { cluster, image };
}

/** Service names the names edge answers to on the cluster network, sorted, each once (not a stack's). */
export function edgeAliases(services: readonly ServiceSpec[]): string[] {
  const names = services
    .filter((s) => s.networkMode !== "host" && s.networks === undefined)
    .map((s) => s.name);
  return [...new Set(names)].sort();
}

/** Per stack network, the names its edge answers to there (every service's names on it), sorted. */
export function networkAliases(services: readonly ServiceSpec[]): Map<string, string[]> {
  const out = new Map<string, Set<string>>();
  for (const s of services) {
    if (s.networkMode === "host") continue;
    for (const n of s.networks ?? []) {
      const set = out.get(n.name) ?? new Set<string>();
      for (const a of n.aliases) set.add(a);
      out.set(n.name, set);
    }
  }
  return new Map(
    [...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, [...v].sort()]),
  );
}
