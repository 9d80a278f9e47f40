// One backend per service TCP port, holding the replicas that may take traffic
// now: running, and healthy (or running without a healthcheck), on a host
// that is not down. A replica on another host is hostAddress:hostPort, the
// ephemeral port Docker published for the replica's target port, so the edge
// on any host reaches replicas on every host over the hosts' own network. A
// replica on the edge's own host is dialled on the cluster network
// (containerAddress:targetPort): the host's address may be one the edge cannot
// reach from inside its container (127.0.0.1 on a single-host setup is the
// edge's own loopback), and it skips Docker's userland proxy.

import type { ObservedReplica } from "../model/observed.js";
import type { PortSpec, ServiceSpec } from "../model/spec.js";
import { backendName, byString, serverName } from "./names.js";
import { appMode, edgeCheck } from "./port-kind.js";
import type { EdgeBackend, EdgeHostAddress, EdgeIssue, EdgeServer } from "./types.js";

// IPv4, IPv6 or a DNS name: nothing that could break out of an HAProxy `server` line.
const ADDRESS = /^[A-Za-z0-9.:-]+$/;

export function inRotation(r: ObservedReplica): boolean {
  return r.state === "running" && (r.health === "healthy" || r.health === "none");
}

/** The distinct TCP target ports of a service, each with the port entries that name it. */
export function tcpTargets(service: ServiceSpec): Map<number, PortSpec[]> {
  const out = new Map<number, PortSpec[]>();
  const key = (p: PortSpec): string =>
    [p.published ?? 0, p.mode, p.appProtocol ?? "", p.proxyProtocol === true].join(" ");
  const sorted = [...service.ports].sort((a, b) => a.target - b.target || byString(key(a), key(b)));
  for (const p of sorted) {
    if (p.protocol !== "tcp") continue;
    out.set(p.target, [...(out.get(p.target) ?? []), p]);
  }
  return out;
}

export function formatAddress(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}

/** What every host's edge shares: the hosts by name and the replicas in rotation per service. */
export interface EdgeIndex {
  readonly hosts: ReadonlyMap<string, EdgeHostAddress>;
  readonly replicas: ReadonlyMap<string, readonly ObservedReplica[]>;
}

interface Context extends EdgeIndex {
  /** The host whose edge this is. */
  readonly self: string;
  readonly issues: EdgeIssue[];
}

export function hostIndex(
  hosts: readonly EdgeHostAddress[],
  issues: EdgeIssue[],
): Map<string, EdgeHostAddress> {
  const out = new Map<string, EdgeHostAddress>();
  const sorted = [...hosts].sort((a, b) => byString(a.name, b.name) || byString(a.address, b.address));
  for (const h of sorted) {
    if (out.has(h.name)) continue;
    if (ADDRESS.test(h.address)) out.set(h.name, h);
    else
      issues.push({
        code: "host-address-invalid",
        host: h.name,
        message: `host ${h.name}: address "${h.address}" is not an IP address or DNS name`,
      });
  }
  return out;
}

/**
 * Healthy replicas per service, each once, in a fixed order whatever the input order: by host,
 * so one host's replicas of a service are next to each other (shared.ts relies on it).
 */
export function replicaIndex(replicas: readonly ObservedReplica[]): Map<string, ObservedReplica[]> {
  const seen = new Set<string>();
  const out = new Map<string, ObservedReplica[]>();
  const sorted = [...replicas].sort(
    (a, b) => byString(a.host, b.host) || byString(a.name, b.name) || byString(a.id, b.id),
  );
  for (const r of sorted) {
    if (seen.has(r.id) || !inRotation(r)) continue;
    seen.add(r.id);
    const list = out.get(r.service);
    if (list === undefined) out.set(r.service, [r]);
    else list.push(r);
  }
  return out;
}

/**
 * How the edge on host `self` reaches replica r of service on its target port: a server, an
 * issue (it cannot), or nothing (its host is down).
 */
export function serverFor(
  index: EdgeIndex,
  self: string,
  service: ServiceSpec,
  target: number,
  r: ObservedReplica,
): EdgeServer | EdgeIssue | undefined {
  const host = index.hosts.get(r.host);
  if (host === undefined) {
    return {
      code: "host-unknown",
      service: service.name,
      host: r.host,
      message: `replica ${r.name} runs on ${r.host}, a host with no known address`,
    };
  }
  if (host.state === "down") return undefined;
  // With host networking the container's port is the host's port.
  const hostNet = service.networkMode === "host";
  const port = hostNet ? target : r.publishedPorts[`${target}/tcp`];
  const local = hostNet ? undefined : localAddress(self, r);
  if (port === undefined && local === undefined) {
    return {
      code: "port-not-published",
      service: service.name,
      host: r.host,
      port: target,
      message: `replica ${r.name} on ${r.host} does not publish ${target}/tcp`,
    };
  }
  return {
    name: serverName(r.host, r.name),
    host: r.host,
    replica: r.name,
    ...(local !== undefined
      ? { address: local, port: target }
      : { address: host.address, port: port ?? target }),
    // A replica that publishes nothing is reachable only inside its host: named by its container then.
    endpoint: port !== undefined ? formatAddress(host.address, port) : `${r.host}/${r.name}:${target}`,
  };
}

export function isIssue(x: EdgeServer | EdgeIssue): x is EdgeIssue {
  return "code" in x;
}

function servers(ctx: Context, service: ServiceSpec, target: number): EdgeServer[] {
  const out: EdgeServer[] = [];
  for (const r of ctx.replicas.get(service.name) ?? []) {
    const s = serverFor(ctx, ctx.self, service, target, r);
    if (s === undefined) continue;
    if (isIssue(s)) ctx.issues.push(s);
    else out.push(s);
  }
  return out;
}

/** The replica's cluster-network address when it runs on this edge's own host. */
function localAddress(self: string, r: ObservedReplica): string | undefined {
  if (r.host !== self || r.clusterAddress === undefined) return undefined;
  return ADDRESS.test(r.clusterAddress) ? r.clusterAddress : undefined;
}

/** A service's UDP ports: reported, never served. */
export function udpIssues(service: ServiceSpec): EdgeIssue[] {
  return service.ports
    .filter((p) => p.protocol === "udp")
    .map((p) => ({
      code: "udp-unsupported" as const,
      service: service.name,
      port: p.target,
      message: `${service.name}: ${p.target}/udp is not served by the edge (HAProxy balances TCP only)`,
    }));
}

/** One backend per TCP target port of the service, without its servers (the same on every host). */
export function backendShapes(
  service: ServiceSpec,
  maxCheckIntervalMs: number,
): Omit<EdgeBackend, "servers">[] {
  const out: Omit<EdgeBackend, "servers">[] = [];
  for (const [target, entries] of tcpTargets(service)) {
    // Entries naming the same target disagree only by mistake; HTTP wins, as it is said explicitly.
    const hinted =
      entries.find((e) => e.appProtocol === "http") ??
      entries.find((e) => e.appProtocol === "tcp") ??
      entries[0];
    if (hinted === undefined) continue;
    out.push({
      name: backendName(service.name, target),
      service: service.name,
      target,
      mode: appMode(hinted, service.healthcheck),
      // A replica that parses PROXY headers expects them on every connection to that port.
      proxyProtocol: entries.some((e) => e.proxyProtocol === true),
      check: edgeCheck(hinted, service.healthcheck, maxCheckIntervalMs),
    });
  }
  return out;
}

export function sortedServices(services: readonly ServiceSpec[]): ServiceSpec[] {
  return [...services].sort((a, b) => byString(a.name, b.name));
}

export function buildBackends(
  input: {
    readonly host: { readonly name: string };
    readonly hosts: readonly EdgeHostAddress[];
    readonly services: readonly ServiceSpec[];
    readonly replicas: readonly ObservedReplica[];
  },
  maxCheckIntervalMs: number,
  issues: EdgeIssue[],
): EdgeBackend[] {
  const ctx: Context = {
    self: input.host.name,
    hosts: hostIndex(input.hosts, issues),
    replicas: replicaIndex(input.replicas),
    issues,
  };
  const out: EdgeBackend[] = [];
  for (const service of sortedServices(input.services)) {
    issues.push(...udpIssues(service));
    for (const shape of backendShapes(service, maxCheckIntervalMs))
      out.push({ ...shape, servers: servers(ctx, service, shape.target) });
  }
  return out;
}
