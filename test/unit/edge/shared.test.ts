// FleetEdges plans every host's edge sharing what the hosts have in common;
// planEdge plans one host from scratch. On random fleets (hosts down or with
// bad addresses, replicas on unknown hosts, unhealthy or unpublished
// replicas, host networking, cluster addresses, UDP, HTTP and PROXY ports,
// ports held on some hosts) both must give every host the same plan and the
// same configuration text. Seeded: EDGE_SEED=<n> replays a failure.

import { describe, expect, it } from "vitest";
import { FleetEdges, planEdge, renderEdgePlan } from "../../../src/edge/index.js";
import type { EdgeHostAddress } from "../../../src/edge/types.js";
import type { ForeignPort, ObservedReplica } from "../../../src/model/observed.js";
import type { PortSpec, ServiceSpec } from "../../../src/model/spec.js";
import { httpHealth, port, rep, svc } from "./fixtures.js";

/** mulberry32: small, seeded, good enough to pick shapes. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Fleet {
  readonly hosts: EdgeHostAddress[];
  readonly services: ServiceSpec[];
  readonly replicas: ObservedReplica[];
  readonly foreign: Map<string, ForeignPort[]>;
}

function randomFleet(rand: () => number): Fleet {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const chance = (p: number): boolean => rand() < p;
  const hostCount = 1 + Math.floor(rand() * 12);
  const hosts: EdgeHostAddress[] = Array.from({ length: hostCount }, (_, i) => ({
    name: `h${i + 1}`,
    address: chance(0.05) ? "bad address!" : chance(0.1) ? `fd00::${i + 1}` : `10.0.0.${i + 1}`,
    ...(chance(0.15) ? { state: "down" as const } : {}),
  }));
  const services: ServiceSpec[] = Array.from({ length: 1 + Math.floor(rand() * 6) }, (_, i) => {
    const ports: PortSpec[] = [];
    for (let p = 0; p < 1 + Math.floor(rand() * 3); p++) {
      const target = pick([80, 8080, 5432, 9000 + i]);
      ports.push(
        port(target, {
          ...(chance(0.15) ? { protocol: "udp" as const } : {}),
          ...(chance(0.5) ? { published: 30000 + i * 10 + p } : {}),
          ...(chance(0.2) ? { mode: "host" as const } : {}),
          ...(chance(0.3) ? { appProtocol: pick(["http", "tcp"] as const) } : {}),
          ...(chance(0.1) ? { proxyProtocol: true } : {}),
        }),
      );
    }
    return svc(`s${i + 1}`, ports, {
      ...(chance(0.4) ? { healthcheck: httpHealth(`http://localhost:${ports[0]?.target ?? 80}/`) } : {}),
      ...(chance(0.1) ? { networkMode: "host" as const } : {}),
    });
  });
  const replicas: ObservedReplica[] = [];
  let hostPort = 32000;
  for (const s of services) {
    for (let k = 0; k < Math.floor(rand() * 3 * hostCount); k++) {
      const on = chance(0.05) ? "ghost" : pick(hosts).name;
      const r = rep(s, String(k + 1), on, hostPort, {
        state: chance(0.1) ? "exited" : "running",
        health: pick(["healthy", "healthy", "none", "unhealthy", "starting"] as const),
      });
      hostPort += 4;
      const unpublished = chance(0.1) ? { publishedPorts: {} } : {};
      const attached = chance(0.6)
        ? { clusterAddress: chance(0.05) ? "not an ip" : `172.30.0.${k + 2}` }
        : {};
      replicas.push({ ...r, ...unpublished, ...attached });
      // The same container listed twice (two passes' views merged) must count once.
      if (chance(0.03)) replicas.push({ ...r, ...unpublished, ...attached });
    }
  }
  const foreign = new Map<string, ForeignPort[]>();
  for (const h of hosts)
    if (chance(0.2))
      foreign.set(h.name, [{ port: 30000 + Math.floor(rand() * 60), protocol: "tcp", owner: "squatter" }]);
  // Any input order: the plans must not depend on it.
  replicas.sort(() => rand() - 0.5);
  return { hosts, services, replicas, foreign };
}

const SEED = Number(process.env["EDGE_SEED"] ?? 20261206);

describe("every host's edge planned at once", () => {
  it("gives each host the plan (and configuration text) planEdge gives it alone, on random fleets", () => {
    const rand = prng(SEED);
    let compared = 0;
    for (let run = 0; run < 120; run++) {
      const f = randomFleet(rand);
      const fleet = new FleetEdges({
        cluster: "prod",
        hosts: f.hosts,
        services: f.services,
        replicas: f.replicas,
      });
      for (const h of f.hosts) {
        const foreignPorts = f.foreign.get(h.name);
        const host = { name: h.name, address: h.address };
        const options = { ingressBind: h.address };
        const alone = planEdge({
          cluster: "prod",
          host,
          hosts: f.hosts,
          services: f.services,
          replicas: f.replicas,
          ...(foreignPorts !== undefined ? { foreignPorts } : {}),
          options,
        });
        const shared = fleet.planFor({
          host,
          ...(foreignPorts !== undefined ? { foreignPorts } : {}),
          options,
        });
        expect(shared, `seed ${SEED}, run ${run}, host ${h.name}`).toEqual(alone);
        expect(renderEdgePlan(shared)).toBe(renderEdgePlan(alone));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(400);
  }, 60_000);

  it("shares one server list between hosts that run none of the backend's replicas", () => {
    const web = svc("web", [port(8080)]);
    const hosts = [1, 2, 3, 4].map((i) => ({ name: `h${i}`, address: `10.0.0.${i}` }));
    const replicas = [rep(web, "1", "h1", 32001), rep(web, "2", "h2", 32002)];
    const fleet = new FleetEdges({ cluster: "prod", hosts, services: [web], replicas });
    const servers = (h: string) => fleet.planFor({ host: { name: h, address: "x" } }).backends[0]?.servers;
    expect(servers("h3")).toBe(servers("h4"));
    expect(servers("h1")).not.toBe(servers("h3"));
    expect(servers("h1")).toEqual(servers("h3"));
  });
});
