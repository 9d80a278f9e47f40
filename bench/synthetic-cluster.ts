// A large, deterministic synthetic cluster for the planner benchmark: hosts in
// zones and racks, services with a mix of replica counts, reservations,
// constraints, zone spread, max_replicas_per_node and host-mode ports, in the
// proportions a busy production fleet shows. Seeded PRNG: same input every run.

import type { ObservedCluster } from "../src/model/observed.js";
import type { DesiredState, ServiceSpec } from "../src/model/spec.js";
import { desiredState, GiB, host, MiB, service, type TestHost } from "../test/support/fixtures.js";

export interface SyntheticSize {
  readonly hosts: number;
  readonly services: number;
  /** Average replicas per service (replicated services only). */
  readonly replicasPerService: number;
}

/** mulberry32: tiny, fast, good enough for test data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function syntheticHosts(n: number): TestHost[] {
  const out: TestHost[] = [];
  for (let i = 0; i < n; i++) {
    const name = `h${String(i).padStart(5, "0")}`;
    out.push(host(name, { labels: { zone: `z${i % 10}`, rack: `r${i % 50}` }, cpus: 64, memory: 256 * GiB }));
  }
  return out;
}

export function syntheticServices(size: SyntheticSize, seed = 42): ServiceSpec[] {
  const rnd = prng(seed);
  const out: ServiceSpec[] = [];
  const max = size.replicasPerService * 2 - 1; // uniform 1..max has the requested mean
  for (let i = 0; i < size.services; i++) {
    const name = `svc-${String(i).padStart(5, "0")}`;
    const kind = rnd();
    out.push(
      service(name, {
        replicas: 1 + Math.floor(rnd() * max),
        cpus: [0, 0.1, 0.25, 0.5][Math.floor(rnd() * 4)] ?? 0,
        memory: [0, 64, 128, 256][Math.floor(rnd() * 4)] ?? 0 * MiB,
        ...(kind < 0.1 ? { constraints: [`node.labels.zone == z${i % 10}`] } : {}),
        ...(kind >= 0.1 && kind < 0.2 ? { spread: ["node.labels.zone"] } : {}),
        ...(kind >= 0.2 && kind < 0.25 ? { maxPerNode: 1 } : {}),
        ...(kind >= 0.25 && kind < 0.26 ? { hostPorts: [20_000 + i] } : {}),
        specHash: `${name}-v1`,
      }),
    );
  }
  return out.map((s) => ({
    ...s,
    deploy: {
      ...s.deploy,
      reservations: { ...s.deploy.reservations, memoryBytes: s.deploy.reservations.memoryBytes * MiB },
    },
  }));
}

export function syntheticDesired(size: SyntheticSize, seed = 42): DesiredState {
  return desiredState(syntheticHosts(size.hosts), syntheticServices(size, seed));
}

/** The desired cluster's hosts, all up with room to spare, running `replicas`. */
export function observedOf(d: DesiredState, replicas: ObservedCluster["replicas"]): ObservedCluster {
  return {
    hosts: d.cluster.hosts.map((h) => ({
      name: h.name,
      state: "up",
      capacity: { nanoCpus: 64e9, memoryBytes: 256 * 1024 ** 3 },
    })),
    replicas,
  };
}

/** The same desired state with service i changed: 2 more replicas and a new spec hash. */
export function withChange(d: DesiredState, i: number): DesiredState {
  const services = d.services.slice();
  const s = services[i];
  if (s !== undefined) {
    services[i] = {
      ...s,
      specHash: `${s.specHash}-b`,
      deploy: { ...s.deploy, replicas: s.deploy.replicas + 2 },
    };
  }
  return { ...d, services };
}
