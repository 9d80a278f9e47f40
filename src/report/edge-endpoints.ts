// Status view of the edge: per service and published port, the replicas the
// edges have in rotation ("hostAddress:publishedPort", the servers' endpoints).
// Taken from the rendered plan rather than each edge's `show stat`: every edge
// has the same servers (only how it dials its own host's replicas differs, and
// the endpoint hides that), and the plan needs no call to a host that may be slow.
// HAProxy's own checks may have taken a server out meanwhile; that is the
// runtime view (adapters/edge listEdgeEndpoints), not shown here.

import type { EdgePlan } from "../edge/index.js";
import type { ServiceSpec } from "../model/spec.js";
import type { EndpointInput } from "../status/index.js";

export function serviceEndpoints(
  plan: EdgePlan | undefined,
  services: readonly ServiceSpec[],
): Map<string, EndpointInput[]> {
  const out = new Map<string, EndpointInput[]>();
  if (plan === undefined) return out;
  for (const s of services) {
    const list: EndpointInput[] = [];
    const seen = new Set<number>();
    for (const p of s.ports) {
      if (p.published === undefined || p.protocol !== "tcp" || seen.has(p.published)) continue;
      seen.add(p.published);
      const backend = plan.backends.find((b) => b.service === s.name && b.target === p.target);
      const backends = (backend?.servers ?? []).map((sv) => sv.endpoint);
      list.push({ published: p.published, protocol: "tcp", backends: [...new Set(backends)].sort() });
    }
    if (list.length > 0) out.set(s.name, list);
  }
  return out;
}
