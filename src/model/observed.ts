// What the adapters observe on the Docker hosts, as plain data. The scheduler
// and planner see only this, never a Docker client.

import type { Resources } from "./spec.js";
import type { ObservedVolume } from "./volumes.js";

export type { ObservedVolume } from "./volumes.js";

export type HostState = "up" | "down" | "unknown";

export interface ObservedHost {
  readonly name: string;
  readonly state: HostState;
  /** Total capacity: the spec override where given, else what `docker info` reports. */
  readonly capacity: Resources;
  /** True while a returning host is still proving it is stable: no new work. */
  readonly probation?: boolean;
  /** Image references present on the host (as written in specs); absent = unknown, so always pull. */
  readonly images?: readonly string[];
  /**
   * Ports bound on the host's address by containers gitfleet does not manage (a foreign
   * container publishing it), as the Docker API shows them; absent = not read this pass.
   */
  readonly foreignPorts?: readonly ForeignPort[];
}

/** A published port held by someone else: no replica or edge listener of ours can bind it there. */
export interface ForeignPort {
  readonly port: number;
  readonly protocol: "tcp" | "udp";
  /** The container holding it, by name. */
  readonly owner: string;
  /**
   * No container publishes it: HAProxy could not bind it (a process outside Docker, or a
   * host-networked container, holds it). Learned from the edge's own log.
   */
  readonly outsideDocker?: true;
}

/** "8080/tcp": the key host-mode ports are compared by. */
export function portKey(p: Pick<ForeignPort, "port" | "protocol">): string {
  return `${p.port}/${p.protocol}`;
}

export type ContainerState = "created" | "running" | "restarting" | "paused" | "exited" | "dead" | "removing";

const CONTAINER_STATES: ReadonlySet<string> = new Set<ContainerState>([
  "created",
  "running",
  "restarting",
  "paused",
  "exited",
  "dead",
  "removing",
]);

/** A container's state as Docker (or a recorded status) gives it; one not known is taken as dead. */
export function containerState(state: string): ContainerState {
  return CONTAINER_STATES.has(state) ? (state as ContainerState) : "dead";
}
export type Health = "healthy" | "unhealthy" | "starting" | "none";

/** A managed container, rebuilt entirely from its labels and inspect data. */
export interface ObservedReplica {
  readonly id: string;
  readonly name: string;
  readonly host: string;
  readonly service: string;
  /** "1".."N" for replicated services; the host name for global ones. */
  readonly slot: string;
  readonly specHash: string;
  /** The image reference it was created from (absent when not known). */
  readonly image?: string;
  readonly commit: string;
  readonly state: ContainerState;
  readonly health: Health;
  /** ms since epoch, from Docker. */
  readonly createdAt: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly exitCode?: number;
  /** The kernel killed it for exceeding its memory limit (inspect State.OOMKilled); set only when true. */
  readonly oomKilled?: boolean;
  readonly restartCount: number;
  /** The leadership term that created it (label gitfleet.epoch); absent in single-instance mode. */
  readonly epoch?: number;
  /**
   * Not running because gitfleet stopped it (a stop-first update that did not go through, a
   * rollback): bringing it back is the operator's own repair, not a restart of the replica, so
   * restart_policy does not hold it and the restart count does not grow. Controller memory.
   */
  readonly stoppedByOperator?: boolean;
  /**
   * The ports its image EXPOSEs (image inspect's Config.ExposedPorts keys, "5432/tcp"), read once
   * per image id on its host; absent: not known (the image could not be inspected).
   */
  readonly imagePorts?: readonly string[];
  /** container port/proto → host port, for edge backends. */
  readonly publishedPorts: Readonly<Record<string, number>>;
  /** The replica's address on its host's cluster network; absent when it is not attached. */
  readonly clusterAddress?: string;
  /** A stack's replica: its address on each stack network it joined, by the network's name (shop_default). */
  readonly networkAddresses?: Readonly<Record<string, string>>;
}

/** The container's process is there (running, restarting or paused): it holds its slot. */
export function isLive(r: Pick<ObservedReplica, "state">): boolean {
  return r.state === "running" || r.state === "restarting" || r.state === "paused";
}

export interface ObservedCluster {
  readonly hosts: readonly ObservedHost[];
  readonly replicas: readonly ObservedReplica[];
  /**
   * Our named volumes on every host (as last seen for hosts not answering now).
   * Absent: not observed at all, and no replica is bound by its volumes.
   */
  readonly volumes?: readonly ObservedVolume[];
  /** Hosts whose volumes have never been read since the operator started: bindings there are unknown. */
  readonly volumesUnknown?: readonly string[];
}

/** Labels every managed container carries; the observed state is rebuilt from them. */
export const LABELS = {
  cluster: "gitfleet.cluster",
  service: "gitfleet.service",
  slot: "gitfleet.slot",
  specHash: "gitfleet.spec-hash",
  commit: "gitfleet.commit",
  role: "gitfleet.role", // "replica" | "edge"
  /** Restarts of this replica's slot so far, carried from the container it replaced. */
  restarts: "gitfleet.restarts",
  /** The leadership term of the standby-operator group that created it (absent: single instance). */
  epoch: "gitfleet.epoch",
} as const;

/**
 * Two lists of a service's containers are the same for scheduling and
 * planning: same containers in the same order, each on the same host and slot
 * with the same spec, state and health.
 */
export function sameReplicas(a: readonly ObservedReplica[], b: readonly ObservedReplica[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x === undefined || y === undefined) return false;
    if (
      x.id !== y.id ||
      x.host !== y.host ||
      x.slot !== y.slot ||
      x.specHash !== y.specHash ||
      x.state !== y.state ||
      x.health !== y.health ||
      x.createdAt !== y.createdAt
    ) {
      return false;
    }
  }
  return true;
}
