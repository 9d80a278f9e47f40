// One host's edge plan split between its two HAProxies: the ingress edge
// (host networking: the ingress listeners on the host's address) and the names
// edge (on the cluster network: the service-discovery listeners). Each gets
// only the backends its listeners route to, so no replica is health-checked
// twice by one edge for nothing.

import type { EdgePlan, RouteKind } from "./types.js";

function only(plan: EdgePlan, kind: RouteKind): EdgePlan {
  const listeners = plan.listeners.filter((l) => l.routes.some((r) => r.kind === kind));
  const used = new Set<string>();
  for (const l of listeners) {
    for (const r of l.routes) used.add(r.backend);
    for (const r of l.hostRoutes) used.add(r.backend);
    if (l.defaultBackend !== undefined) used.add(l.defaultBackend);
  }
  return { ...plan, listeners, backends: plan.backends.filter((b) => used.has(b.name)) };
}

export function splitEdgePlan(plan: EdgePlan): { readonly ingress: EdgePlan; readonly names: EdgePlan } {
  return { ingress: only(plan, "ingress"), names: only(plan, "discovery") };
}
