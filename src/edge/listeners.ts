// Which sockets the edge binds and how each picks a backend.
//
// Two kinds of routes lead to a backend: ingress (a `published` port in mode
// ingress, for the outside world) and discovery (each service's target port,
// on the cluster network where the edge carries every service name as an
// alias, so `http://api:8080` from any container lands here). Routes that end
// on the same bind address and port share one listener, and that is common:
// api:8080 and web:8080 both arrive at the edge's one address on port 8080.
//
// The only thing that tells them apart is what the client asked for:
// - HTTP says it in the Host header ("api" or "api:8080"): the listener runs in
//   HTTP mode and routes by Host; a Host naming no service goes to the ingress
//   service of that port if there is one, else gets a fast 503.
// - Raw TCP carries no name. A container has one address per network and
//   Docker cannot point different aliases at different addresses of one
//   container, so two TCP services on one target port cannot both be reached
//   by name through one edge. The ingress service of the port wins, else the
//   first service by name; the others are reported (`port-shared`), never
//   silently misrouted. Users fix it with distinct target ports or
//   `app_protocol: http`. Giving the ingress and discovery listeners distinct
//   bind addresses (options) removes collisions between the two kinds.

import { backendName, byString, frontendName } from "./names.js";
import { tcpTargets } from "./backends.js";
import type { AppMode, EdgeBackend, EdgeIssue, EdgeListener, EdgeRoute } from "./types.js";
import type { ServiceSpec } from "../model/spec.js";

interface Binds {
  readonly ingress: string;
  readonly discovery: string;
  /** Ingress ports held on this host by containers that are not ours. */
  readonly blocked: ReadonlySet<number>;
}

interface Slot {
  readonly bind: string;
  readonly port: number;
  readonly routes: EdgeRoute[];
}

function collectRoutes(
  services: readonly ServiceSpec[],
  backends: ReadonlyMap<string, EdgeBackend>,
  binds: Binds,
): Slot[] {
  const slots = new Map<string, Slot>();
  const add = (bind: string, port: number, route: EdgeRoute): void => {
    const key = `${bind} ${port}`;
    const slot = slots.get(key) ?? { bind, port, routes: [] };
    slot.routes.push(route);
    slots.set(key, slot);
  };
  for (const service of [...services].sort((a, b) => byString(a.name, b.name))) {
    for (const [target, entries] of tcpTargets(service)) {
      const backend = backends.get(backendName(service.name, target));
      if (backend === undefined) continue;
      add(binds.discovery, target, { kind: "discovery", service: service.name, backend: backend.name });
      for (const e of entries) {
        // A port someone else holds on this host is left out (reported by the caller), never bound.
        if (e.published !== undefined && e.mode === "ingress" && !binds.blocked.has(e.published)) {
          add(binds.ingress, e.published, { kind: "ingress", service: service.name, backend: backend.name });
        }
      }
    }
  }
  return [...slots.values()].sort((a, b) => a.port - b.port || byString(a.bind, b.bind));
}

// eslint-disable-next-line max-lines-per-function -- one listener's mode, routes and backends decided together: the rules depend on each other
function listenerFor(
  slot: Slot,
  backends: ReadonlyMap<string, EdgeBackend>,
  issues: EdgeIssue[],
  names: ReadonlyMap<string, readonly string[]> | undefined,
): EdgeListener {
  const modeOf = (r: EdgeRoute): AppMode => backends.get(r.backend)?.mode ?? "tcp";
  // Published ports are unique per protocol (a spec rule), so at most one ingress route; be safe anyway.
  const ingress = slot.routes.find((r) => r.kind === "ingress");
  const mode: AppMode = ingress
    ? modeOf(ingress)
    : slot.routes.some((r) => modeOf(r) === "http")
      ? "http"
      : "tcp";
  const first = ingress ?? slot.routes.find((r) => modeOf(r) === mode);
  const accepted = slot.routes.filter((r) =>
    mode === "http"
      ? r === ingress || (r.kind === "discovery" && modeOf(r) === "http")
      : r.backend === first?.backend,
  );
  for (const r of slot.routes) {
    if (accepted.includes(r) || r.backend === first?.backend) continue;
    issues.push({
      code: "port-shared",
      service: r.service,
      port: slot.port,
      message:
        `${r.service} (${r.kind}, ${modeOf(r)}) cannot be reached through the edge on port ${slot.port}: ` +
        `it is taken by ${first?.service ?? "another service"}, and a TCP connection carries no service name to route by`,
    });
  }
  const distinct = [...new Set(accepted.map((r) => r.backend))];
  const hostRoutes =
    mode === "http" && distinct.length > 1
      ? accepted
          .filter((r) => r.kind === "discovery")
          .map((r) => {
            const own = names?.get(r.service);
            return { service: r.service, backend: r.backend, ...(own !== undefined ? { names: own } : {}) };
          })
      : [];
  const defaultBackend = ingress?.backend ?? (distinct.length === 1 ? distinct[0] : undefined);
  return {
    name: frontendName(slot.bind, slot.port),
    bind: slot.bind,
    port: slot.port,
    mode,
    hostRoutes,
    ...(defaultBackend !== undefined ? { defaultBackend } : {}),
    routes: accepted,
  };
}

export function buildListeners(
  services: readonly ServiceSpec[],
  backends: readonly EdgeBackend[],
  binds: Binds,
  issues: EdgeIssue[],
  names?: ReadonlyMap<string, readonly string[]>,
): EdgeListener[] {
  const byName = new Map(backends.map((b) => [b.name, b]));
  return collectRoutes(services, byName, binds).map((slot) => listenerFor(slot, byName, issues, names));
}
