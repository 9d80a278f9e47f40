// Builders for status inputs: plain data, as the controller would assemble it.

import type { ObservedReplica } from "../../../src/model/observed.js";
import type { ServiceSpec } from "../../../src/model/spec.js";
import { emptyEventLog } from "../../../src/status/index.js";
import type { RejectedCommit } from "../../../src/ports/index.js";
import type { HostInput, ServiceInput, StatusInput } from "../../../src/status/index.js";

const update = {
  parallelism: 1,
  delayMs: 0,
  order: "start-first",
  failureAction: "rollback",
  monitorMs: 5000,
  maxFailureRatio: 0,
} as const;

export function spec(name: string, over: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    name,
    image: `registry.local/${name}:1`,
    environment: {},
    envSecrets: {},
    ports: [],
    dependsOn: [],
    volumes: [],
    labels: {},
    stopGracePeriodMs: 10_000,
    readOnly: false,
    capAdd: [],
    capDrop: [],
    privileged: false,
    deploy: {
      mode: "replicated",
      replicas: 2,
      limits: { nanoCpus: 0, memoryBytes: 0 },
      reservations: { nanoCpus: 250_000_000, memoryBytes: 128 * 1024 * 1024 },
      placement: { constraints: [], preferences: [], maxReplicasPerNode: 0 },
      updateConfig: update,
      rollbackConfig: update,
      restartPolicy: { condition: "any", delayMs: 0, maxAttempts: 0, windowMs: 0 },
    },
    specHash: `${name}-hash-0000000000000000`.replace(/[^a-z0-9]/g, "0").slice(0, 16),
    source: { path: `services/${name}.yaml`, line: 1, col: 1 },
    ...over,
  };
}

export function service(name: string, desired: number, over: Partial<ServiceInput> = {}): ServiceInput {
  return { spec: spec(name), desired, ...over };
}

let counter = 0;
export function replica(
  s: ServiceSpec,
  slot: string,
  host: string,
  over: Partial<ObservedReplica> = {},
): ObservedReplica {
  counter++;
  const id = `${s.name}${slot}${host}`.padEnd(64, "f").replace(/[^0-9a-f]/g, "a");
  return {
    id,
    name: `gf-prod-${s.name}-${slot}-${s.specHash.slice(0, 8)}`,
    host,
    service: s.name,
    slot,
    specHash: s.specHash,
    commit: "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00",
    state: "running",
    health: "healthy",
    createdAt: 1_700_000_000_000 + counter,
    startedAt: 1_700_000_000_500,
    restartCount: 0,
    publishedPorts: {},
    ...over,
  };
}

export function host(name: string, over: Partial<HostInput> = {}): HostInput {
  return {
    name,
    address: `10.0.0.${name.slice(1)}`,
    state: "up",
    drain: false,
    capacity: { nanoCpus: 2e9, memoryBytes: 4 * 1024 ** 3 },
    ...over,
  };
}

export const DESIRED = {
  commit: "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00",
  author: "Ada <ada@example.com>",
  message: "Scale web to 2\n\nbody",
  timestamp: 1_700_000_000_000,
};

/** A commit rejected for one schema error in services/web.yaml. */
export const REJECTED: RejectedCommit = {
  commit: "bad0000000000000000000000000000000000000",
  author: "Bob",
  message: "oops",
  timestamp: 1_700_000_100_000,
  reason: "invalid",
  errors: [{ path: "services/web.yaml", line: 3, col: 5, code: "schema", message: 'unknown key "imgae"' }],
};

/** Two hosts, web (2 replicas) and api (1), all healthy. */
export function syncedInput(over: Partial<StatusInput> = {}): StatusInput {
  const web = service("web", 2);
  const api = service("api", 1);
  return {
    cluster: "prod",
    desired: DESIRED,
    hosts: [host("h1"), host("h2")],
    services: [web, api],
    replicas: [replica(web.spec, "1", "h1"), replica(web.spec, "2", "h2"), replica(api.spec, "1", "h2")],
    events: emptyEventLog(),
    ...over,
  };
}
