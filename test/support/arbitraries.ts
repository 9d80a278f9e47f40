// fast-check generators of random clusters, specs and observed states for the
// scheduler and planner properties. Small on purpose (up to 7 hosts, 5
// services): shrinking then finds minimal counterexamples quickly.

import fc from "fast-check";
import type { ObservedCluster, ObservedReplica } from "../../src/model/observed.js";
import { containerName } from "../../src/model/names.js";
import type { DesiredState } from "../../src/model/spec.js";
import { desiredState, GiB, host, service, type TestHost } from "./fixtures.js";

type ArbValue<A> = A extends fc.Arbitrary<infer T> ? T : never;

const ZONES = ["a", "b", "c"] as const;
const CONSTRAINTS = ["node.labels.zone == a", "node.labels.zone != b", "node.hostname != h0"] as const;

const hostArb = fc.record({
  zone: fc.constantFrom<string | undefined>(...ZONES, undefined),
  state: fc.constantFrom("up", "up", "up", "up", "up", "up", "down", "unknown") as fc.Arbitrary<
    "up" | "down" | "unknown"
  >,
  probation: fc.constantFrom(false, false, false, false, true),
  cpus: fc.integer({ min: 1, max: 8 }),
  memGiB: fc.integer({ min: 1, max: 16 }),
});

const serviceArb = fc.record({
  replicas: fc.integer({ min: 0, max: 8 }),
  global: fc.constantFrom(false, false, false, false, false, true),
  cpus: fc.constantFrom(0, 0, 0.25, 0.5, 1),
  memGiB: fc.constantFrom(0, 0, 0.5, 1, 2),
  constraints: fc.subarray([...CONSTRAINTS], { maxLength: 2 }),
  spread: fc.constantFrom(false, false, true),
  maxPerNode: fc.constantFrom(0, 0, 1, 2),
  hostPort: fc.constantFrom(false, false, false, true),
  parallelism: fc.integer({ min: 0, max: 3 }),
  order: fc.constantFrom("stop-first", "start-first") as fc.Arbitrary<"stop-first" | "start-first">,
  version: fc.constantFrom("v1", "v2"),
  healthcheck: fc.boolean(),
  restart: fc.constantFrom("any", "any", "on-failure", "none") as fc.Arbitrary<"any" | "on-failure" | "none">,
});

export interface ClusterShape {
  readonly hosts: readonly ArbValue<typeof hostArb>[];
  readonly services: readonly ArbValue<typeof serviceArb>[];
  readonly drainMask: number;
}

export const shapeArb: fc.Arbitrary<ClusterShape> = fc.record({
  hosts: fc.array(hostArb, { minLength: 1, maxLength: 7 }),
  services: fc.array(serviceArb, { minLength: 1, maxLength: 5 }),
  drainMask: fc.integer({ min: 0, max: 127 }).map((m) => m & (m >> 3)), // sparse: ~1 host in 8 drains
});

export function buildHosts(shape: ClusterShape): TestHost[] {
  return shape.hosts.map((h, i) =>
    host(`h${i}`, {
      labels: h.zone === undefined ? {} : { zone: h.zone },
      state: h.state,
      drain: ((shape.drainMask >> i) & 1) === 1,
      probation: h.probation,
      cpus: h.cpus,
      memory: h.memGiB * GiB,
    }),
  );
}

export function buildDesired(shape: ClusterShape, o: { rebalance?: boolean } = {}): DesiredState {
  const services = shape.services.map((s, i) =>
    service(`s${i}`, {
      mode: s.global ? "global" : "replicated",
      replicas: s.replicas,
      cpus: s.cpus,
      memory: s.memGiB * GiB,
      constraints: s.constraints,
      ...(s.spread ? { spread: ["node.labels.zone"] } : {}),
      maxPerNode: s.maxPerNode,
      ...(s.hostPort ? { hostPorts: [8000 + i] } : {}),
      update: { parallelism: s.parallelism, order: s.order },
      specHash: `s${i}-${s.version}-hash`,
      healthcheck: s.healthcheck,
      restart: { condition: s.restart },
    }),
  );
  return desiredState(buildHosts(shape), services, o);
}

const replicaSeedArb = fc.record({
  service: fc.nat(),
  slot: fc.integer({ min: 1, max: 10 }),
  host: fc.nat(),
  current: fc.boolean(),
  state: fc.constantFrom("running", "running", "running", "running", "exited", "created", "dead"),
  health: fc.constantFrom("none", "none", "healthy", "unhealthy", "starting"),
  exitCode: fc.constantFrom(0, 1, 137),
  createdAt: fc.integer({ min: 1, max: 100 }),
  global: fc.boolean(),
});

/** Random containers of the shape's services (and of a service no longer desired). */
export const replicasArb = fc.array(replicaSeedArb, { maxLength: 24 });

export function buildObserved(
  desired: DesiredState,
  hosts: readonly TestHost[],
  seeds: readonly ArbValue<typeof replicaSeedArb>[],
): ObservedCluster {
  const seen = new Set<string>();
  const replicas: ObservedReplica[] = [];
  seeds.forEach((s, i) => {
    const spec = desired.services[s.service % (desired.services.length + 1)];
    const hostName = hosts[s.host % hosts.length]?.spec.name ?? "h0";
    const serviceName = spec?.name ?? "retired";
    const slot = spec?.deploy.mode === "global" || s.global ? hostName : String(s.slot);
    const specHash = spec !== undefined && s.current ? spec.specHash : `${serviceName}-old-hash`;
    const name = containerName(desired.cluster.name, serviceName, slot, specHash);
    if (seen.has(`${hostName}/${name}`)) return; // Docker names are unique per host
    seen.add(`${hostName}/${name}`);
    const state = s.state as ObservedReplica["state"];
    const health =
      state === "running" && spec?.healthcheck !== undefined
        ? (s.health as ObservedReplica["health"])
        : "none";
    replicas.push({
      id: `c${i}`,
      name,
      host: hostName,
      service: serviceName,
      slot,
      specHash,
      commit: "c0ffee",
      state,
      health,
      createdAt: s.createdAt,
      ...(state === "exited" ? { exitCode: s.exitCode, finishedAt: s.createdAt + 1 } : {}),
      restartCount: 0,
      publishedPorts: {},
    });
  });
  return { hosts: hosts.map((h) => h.observed), replicas };
}

export const scenarioArb = fc.record({ shape: shapeArb, seeds: replicasArb });

/** A random scenario made concrete: the shape's desired state, and its seeds as the observed cluster. */
export function buildScenario(
  { shape, seeds }: ArbValue<typeof scenarioArb>,
  o: { rebalance?: boolean } = {},
): { desired: DesiredState; observed: ObservedCluster } {
  const desired = buildDesired(shape, o);
  return { desired, observed: buildObserved(desired, buildHosts(shape), seeds) };
}

/**
 * fast-check's runs of a property (FC_RUNS overrides `runs`), and a test deadline of `ms` per
 * `runs` that grows with FC_RUNS: generous, for a busy 2-core machine.
 */
export function propertyBudget(runs: number, ms: number): { runs: { numRuns: number }; timeout: number } {
  const numRuns = Number(process.env["FC_RUNS"] ?? runs);
  return { runs: { numRuns }, timeout: ms * Math.max(1, numRuns / runs) };
}
