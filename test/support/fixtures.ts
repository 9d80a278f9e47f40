// Builders for the typed model with sensible defaults, so a test states only
// what it is about: service("api", { replicas: 3 }), host("h1", { zone: "eu-1" }).
// Defaults follow Swarm/Compose: update_config parallelism 1, stop-first,
// failure_action pause, monitor 5s; restart_policy any; no reservations.

import type { ObservedCluster, ObservedHost, ObservedReplica } from "../../src/model/observed.js";
import { containerName } from "../../src/model/names.js";
import { volumeName, type ObservedVolume } from "../../src/model/volumes.js";
import type {
  ClusterSpec,
  Constraint,
  DeploySpec,
  DesiredState,
  HealthcheckSpec,
  HostSpec,
  PortSpec,
  RestartPolicy,
  ServiceSpec,
  SourceRef,
  UpdateConfig,
} from "../../src/model/spec.js";

export const CPU = 1e9;
export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
const SRC: SourceRef = { path: "services/test.yaml", line: 1, col: 1 };

export const DEFAULT_UPDATE: UpdateConfig = {
  parallelism: 1,
  delayMs: 0,
  order: "stop-first",
  failureAction: "pause",
  monitorMs: 5000,
  maxFailureRatio: 0,
};

export const DEFAULT_RESTART: RestartPolicy = {
  condition: "any",
  delayMs: 5000,
  maxAttempts: 0,
  windowMs: 0,
};

/** "node.labels.zone == eu-1" → Constraint */
export function constraint(raw: string): Constraint {
  const m = /^\s*(\S+)\s*(==|!=)\s*(\S+)\s*$/.exec(raw);
  if (m === null) throw new Error(`bad constraint ${raw}`);
  return { key: m[1] ?? "", op: m[2] === "!=" ? "!=" : "==", value: m[3] ?? "", raw: raw.trim() };
}

export interface ServiceOptions {
  image?: string;
  mode?: "replicated" | "global";
  replicas?: number;
  specHash?: string;
  cpus?: number; // reservation, in CPUs
  memory?: number; // reservation, in bytes
  constraints?: readonly string[];
  spread?: readonly string[]; // placement.preferences spread keys, e.g. "node.labels.zone"
  maxPerNode?: number;
  hostPorts?: readonly number[]; // host-mode published tcp ports
  ingressPorts?: readonly number[];
  update?: Partial<UpdateConfig>;
  rollback?: Partial<UpdateConfig>;
  restart?: Partial<RestartPolicy>;
  dependsOn?: readonly string[];
  healthcheck?: boolean | Partial<HealthcheckSpec>;
  stopGraceMs?: number;
  /** Named volumes mounted at /<name>. */
  volumes?: readonly string[];
}

export function service(name: string, o: ServiceOptions = {}): ServiceSpec {
  const ports: PortSpec[] = [
    ...(o.hostPorts ?? []).map((p): PortSpec => ({ target: p, published: p, protocol: "tcp", mode: "host" })),
    ...(o.ingressPorts ?? []).map((p): PortSpec => ({
      target: p,
      published: p,
      protocol: "tcp",
      mode: "ingress",
    })),
  ];
  const deploy: DeploySpec = {
    mode: o.mode ?? "replicated",
    replicas: o.replicas ?? 1,
    limits: { nanoCpus: 0, memoryBytes: 0 },
    reservations: { nanoCpus: Math.round((o.cpus ?? 0) * CPU), memoryBytes: o.memory ?? 0 },
    placement: {
      constraints: (o.constraints ?? []).map(constraint),
      preferences: (o.spread ?? []).map((spread) => ({ spread })),
      maxReplicasPerNode: o.maxPerNode ?? 0,
    },
    updateConfig: { ...DEFAULT_UPDATE, ...o.update },
    rollbackConfig: { ...DEFAULT_UPDATE, ...o.rollback },
    restartPolicy: { ...DEFAULT_RESTART, ...o.restart },
  };
  const hc = o.healthcheck;
  const healthcheck: HealthcheckSpec | undefined =
    hc === undefined || hc === false
      ? undefined
      : {
          test: ["CMD", "true"],
          intervalMs: 1000,
          timeoutMs: 1000,
          retries: 3,
          startPeriodMs: 0,
          ...(hc === true ? {} : hc),
        };
  return {
    name,
    image: o.image ?? `registry.test/${name}:1`,
    environment: {},
    envSecrets: {},
    ports,
    ...(healthcheck !== undefined ? { healthcheck } : {}),
    dependsOn: o.dependsOn ?? [],
    volumes: (o.volumes ?? []).map((v) => ({ type: "volume", source: v, target: `/${v}`, readOnly: false })),
    labels: {},
    stopGracePeriodMs: o.stopGraceMs ?? 10_000,
    readOnly: false,
    capAdd: [],
    capDrop: [],
    privileged: false,
    deploy,
    specHash: o.specHash ?? `${name}0000aaaa`,
    source: SRC,
  };
}

export interface HostOptions {
  labels?: Readonly<Record<string, string>>;
  cpus?: number;
  memory?: number;
  drain?: boolean;
  /** move_data: true (drain moves replicas with their volumes). */
  moveData?: boolean;
}

export function hostSpec(name: string, o: HostOptions = {}): HostSpec {
  return {
    name,
    docker: `tcp://${name}:2376`,
    address: `10.0.0.${name.length}`,
    labels: o.labels ?? {},
    capacity: {},
    drain: o.drain ?? false,
    ...(o.moveData === true ? { moveData: true } : {}),
    source: { path: "cluster.yaml", line: 1, col: 1 },
  };
}

export function cluster(
  hosts: readonly HostSpec[],
  o: { name?: string; rebalance?: boolean } = {},
): ClusterSpec {
  return {
    name: o.name ?? "test",
    hosts,
    edge: { image: "haproxy:2.6" },
    policy: { allowPrivileged: false, allowHostNetwork: false, allowBindMounts: [] },
    settings: { rebalance: o.rebalance ?? false, hostDownAfterMs: 15_000, hostStableAfterMs: 30_000 },
    source: SRC,
  };
}

export interface ObservedHostOptions {
  state?: ObservedHost["state"];
  cpus?: number;
  memory?: number;
  probation?: boolean;
  images?: readonly string[];
  foreignPorts?: ObservedHost["foreignPorts"];
}

export function observedHost(name: string, o: ObservedHostOptions = {}): ObservedHost {
  return {
    name,
    state: o.state ?? "up",
    capacity: { nanoCpus: Math.round((o.cpus ?? 4) * CPU), memoryBytes: o.memory ?? 8 * GiB },
    ...(o.probation !== undefined ? { probation: o.probation } : {}),
    ...(o.images !== undefined ? { images: o.images } : {}),
    ...(o.foreignPorts !== undefined ? { foreignPorts: o.foreignPorts } : {}),
  };
}

/** A host both in the cluster spec and observed, from one set of options. */
export interface TestHost {
  readonly spec: HostSpec;
  readonly observed: ObservedHost;
}

export function host(name: string, o: HostOptions & ObservedHostOptions = {}): TestHost {
  return { spec: hostSpec(name, o), observed: observedHost(name, o) };
}

export function desiredState(
  hosts: readonly TestHost[],
  services: readonly ServiceSpec[],
  o: { name?: string; rebalance?: boolean } = {},
): DesiredState {
  const sorted = [...services].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    cluster: cluster(
      hosts.map((h) => h.spec),
      o,
    ),
    services: sorted,
  };
}

export interface ReplicaOptions {
  specHash?: string;
  state?: ObservedReplica["state"];
  health?: ObservedReplica["health"];
  createdAt?: number;
  exitCode?: number;
  id?: string;
  cluster?: string;
  restartCount?: number;
}

export function replica(
  svc: ServiceSpec | string,
  slot: string,
  hostName: string,
  o: ReplicaOptions = {},
): ObservedReplica {
  const name = typeof svc === "string" ? svc : svc.name;
  const specHash = o.specHash ?? (typeof svc === "string" ? `${svc}0000aaaa` : svc.specHash);
  const state = o.state ?? "running";
  return {
    id: o.id ?? `${name}-${slot}-${hostName}-${specHash.slice(0, 8)}`,
    name: containerName(o.cluster ?? "test", name, slot, specHash),
    host: hostName,
    service: name,
    slot,
    specHash,
    commit: "c0ffee",
    state,
    health: o.health ?? "none",
    createdAt: o.createdAt ?? 1_000,
    ...(state === "running" ? { startedAt: (o.createdAt ?? 1_000) + 1 } : {}),
    ...(o.exitCode !== undefined ? { exitCode: o.exitCode, finishedAt: (o.createdAt ?? 1_000) + 2 } : {}),
    restartCount: o.restartCount ?? 0,
    publishedPorts: {},
  };
}

export function observedCluster(
  hosts: readonly (TestHost | ObservedHost)[],
  replicas: readonly ObservedReplica[],
): ObservedCluster {
  return { hosts: hosts.map((h) => ("observed" in h ? h.observed : h)), replicas };
}

export interface VolumeOptions {
  service?: string;
  slot?: string;
  createdAt?: number;
  copyOf?: string;
  supersededBy?: string;
  sizeBytes?: number;
  cluster?: string;
}

/** One of our named volumes as observed on a host. */
export function observedVolume(hostName: string, source: string, o: VolumeOptions = {}): ObservedVolume {
  return {
    host: hostName,
    name: volumeName(o.cluster ?? "test", source),
    source,
    driver: "local",
    ...(o.service !== undefined ? { service: o.service } : {}),
    ...(o.slot !== undefined ? { slot: o.slot } : {}),
    createdAt: o.createdAt ?? 500,
    ...(o.copyOf !== undefined ? { copyOf: o.copyOf } : {}),
    ...(o.supersededBy !== undefined ? { supersededBy: o.supersededBy } : {}),
    ...(o.sizeBytes !== undefined ? { sizeBytes: o.sizeBytes } : {}),
  };
}
