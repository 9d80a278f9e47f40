// Edge inputs shared by the unit tests (what is rendered) and the integration
// tests (every rendered scenario must pass `haproxy -c`).

import type { ObservedReplica } from "../../../src/model/observed.js";
import type { HealthcheckSpec, PortSpec, ServiceSpec } from "../../../src/model/spec.js";
import type { EdgeHostAddress, EdgeInput } from "../../../src/edge/types.js";
import { replica, service, type ReplicaOptions } from "../../support/fixtures.js";

export const HOSTS: readonly EdgeHostAddress[] = [
  { name: "h1", address: "10.0.0.11" },
  { name: "h2", address: "10.0.0.12" },
  { name: "h3", address: "10.0.0.13" },
];

export function port(target: number, o: Partial<PortSpec> = {}): PortSpec {
  return { target, protocol: "tcp", mode: "ingress", ...o };
}

export function httpHealth(url: string, o: Partial<HealthcheckSpec> = {}): HealthcheckSpec {
  return {
    test: ["CMD", "wget", "-qO-", url],
    intervalMs: 1000,
    timeoutMs: 500,
    retries: 2,
    startPeriodMs: 0,
    ...o,
  };
}

export function cmdHealth(o: Partial<HealthcheckSpec> = {}): HealthcheckSpec {
  return {
    test: ["CMD-SHELL", "pg_isready -h 127.0.0.1"],
    intervalMs: 5000,
    timeoutMs: 3000,
    retries: 3,
    startPeriodMs: 0,
    ...o,
  };
}

export function svc(
  name: string,
  ports: readonly PortSpec[],
  o: { healthcheck?: HealthcheckSpec; networkMode?: "host" } = {},
): ServiceSpec {
  const { healthcheck: _ignored, ...base } = service(name);
  return {
    ...base,
    ports,
    ...(o.healthcheck !== undefined ? { healthcheck: o.healthcheck } : {}),
    ...(o.networkMode !== undefined ? { networkMode: o.networkMode } : {}),
  };
}

/** A replica of `s` on `host`, publishing each of its TCP target ports on hostPort, hostPort+1, ... */
export function rep(
  s: ServiceSpec,
  slot: string,
  host: string,
  hostPort: number,
  o: ReplicaOptions = {},
): ObservedReplica {
  const targets = [...new Set(s.ports.filter((p) => p.protocol === "tcp").map((p) => p.target))];
  const publishedPorts = Object.fromEntries(targets.map((t, i) => [`${t}/tcp`, hostPort + i]));
  const health = o.health ?? (s.healthcheck !== undefined ? "healthy" : "none");
  return { ...replica(s, slot, host, { ...o, health }), publishedPorts };
}

const api = svc("api", [port(8080)], { healthcheck: httpHealth("http://localhost:8080/healthz") });
const web = svc("web", [port(8080, { published: 80, appProtocol: "http" })]);
const db = svc("db", [port(5432)], { healthcheck: cmdHealth() });
const cache = svc("cache", [port(6379, { proxyProtocol: true })]);
const stats = svc("stats", [port(8125, { protocol: "udp" }), port(9102, { published: 9102, mode: "host" })]);

/** A realistic shop on three hosts, with a replica in each state that must stay out. */
export function shop(): EdgeInput {
  return {
    cluster: "prod",
    host: { name: "h1", address: "10.0.0.11" },
    hosts: HOSTS,
    services: [api, web, db, cache, stats],
    replicas: [
      rep(api, "1", "h1", 32001),
      rep(api, "2", "h2", 32001),
      rep(api, "3", "h3", 32001),
      rep(api, "4", "h3", 32011, { health: "starting" }),
      rep(api, "5", "h2", 32021, { health: "unhealthy" }),
      rep(web, "1", "h2", 32101),
      rep(web, "2", "h3", 32101, { state: "exited" }),
      rep(db, "1", "h3", 32201),
      rep(cache, "1", "h1", 32301),
      rep(stats, "h1", "h1", 32401),
    ],
  };
}

/** Two raw TCP services on one target port: only one can be reached by name. */
export function tcpCollision(): EdgeInput {
  const pg = svc("pg", [port(5432)]);
  const pg2 = svc("pg2", [port(5432)]);
  return {
    cluster: "prod",
    host: { name: "h1", address: "10.0.0.11" },
    hosts: HOSTS,
    services: [pg2, pg],
    replicas: [rep(pg, "1", "h1", 33001), rep(pg2, "1", "h2", 33002)],
  };
}

/** Nothing healthy anywhere: listeners stay, backends are empty. */
export function nothingHealthy(): EdgeInput {
  return { ...shop(), replicas: shop().replicas.map((r) => ({ ...r, state: "exited" as const })) };
}

/** Ingress and discovery on distinct addresses, stats enabled, an IPv6 and a DNS-named host. */
export function splitBinds(): EdgeInput {
  return {
    ...shop(),
    hosts: [
      ...HOSTS.slice(0, 2),
      { name: "h3", address: "fd00::13" },
      { name: "h4", address: "h4.example.internal" },
    ],
    options: { ingressBind: "10.0.0.11", discoveryBind: "172.30.0.2", stats: { port: 8404 } },
    replicas: [...shop().replicas, rep(api, "6", "h4", 32001)],
  };
}

/** An IPv6-only edge. */
export function ipv6Binds(): EdgeInput {
  return {
    ...shop(),
    options: { ingressBind: "::", discoveryBind: "fd00::2", stats: { bind: "::1", port: 8404 } },
  };
}

export const SCENARIOS: Readonly<Record<string, () => EdgeInput>> = {
  shop,
  tcpCollision,
  nothingHealthy,
  splitBinds,
  ipv6Binds,
};
