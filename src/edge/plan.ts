// placement + observed replicas → what this host's edge serves. Pure: the same
// input, in any order, yields the same plan, hence the same configuration text
// (a reload happens only when something really changed).

import { buildBackends } from "./backends.js";
import { ingressConflicts } from "./conflicts.js";
import { buildListeners } from "./listeners.js";
import { withImagePorts } from "./image-ports.js";
import { byString } from "./names.js";
import type { EdgeBackend, EdgeInput, EdgeIssue, EdgeOptions, EdgePlan } from "./types.js";

export const EDGE_DEFAULTS = {
  ingressBind: "*",
  discoveryBind: "*",
  statsSocket: "/var/run/haproxy.sock",
  maxCheckIntervalMs: 1000,
  hardStopAfterMs: 30 * 60_000,
  idleCloseOnResponse: false,
} as const;

function issueKey(i: EdgeIssue): string {
  return [i.code, i.service ?? "", i.host ?? "", String(i.port ?? 0).padStart(5, "0"), i.message].join(
    "\u0000",
  );
}

/** Each issue once, in a fixed order (code, service, host, port, message). */
export function uniqueIssues(issues: readonly EdgeIssue[]): EdgeIssue[] {
  const byKey = new Map(issues.map((i) => [issueKey(i), i]));
  return [...byKey.keys()].sort(byString).flatMap((k) => byKey.get(k) ?? []);
}

export function resolveOptions(o: EdgeOptions | undefined): EdgePlan["options"] {
  const { stats, ...rest } = o ?? {};
  return { ...EDGE_DEFAULTS, ...rest, ...(stats !== undefined ? { stats } : {}) };
}

export function planEdge(given: EdgeInput): EdgePlan {
  const services = withImagePorts(given.services, given.imagePorts);
  const input = services === given.services ? given : { ...given, services };
  const issues: EdgeIssue[] = [];
  const backends = buildBackends(input, resolveOptions(input.options).maxCheckIntervalMs, issues);
  return finishPlan(input, backends, issues);
}

/** Given a host's backends: its listeners (minus ports held on the host) and its issues, sorted. */
export function finishPlan(
  input: Pick<EdgeInput, "cluster" | "host" | "services" | "foreignPorts" | "options" | "names">,
  backends: readonly EdgeBackend[],
  issues: EdgeIssue[],
): EdgePlan {
  const options = resolveOptions(input.options);
  const conflicts = ingressConflicts(input.services, input.host.name, input.foreignPorts);
  for (const c of conflicts)
    issues.push({ code: "port-in-use", service: c.service, host: c.host, port: c.port, message: c.message });
  const binds = {
    ingress: options.ingressBind,
    discovery: options.discoveryBind,
    blocked: new Set(conflicts.map((c) => c.port)),
  };
  const listeners = buildListeners(input.services, backends, binds, issues, input.names);
  return {
    cluster: input.cluster,
    host: { name: input.host.name, address: input.host.address },
    listeners,
    backends,
    issues: uniqueIssues(issues),
    options,
  };
}
