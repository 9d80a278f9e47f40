// What the status renderer needs, as plain data the controller assembles each
// pass. Rendering is pure: identical input gives byte-identical files, so a
// pass in which nothing changed commits nothing.

import type { SuspendState } from "../model/suspend.js";
import type { HostState, ObservedReplica } from "../model/observed.js";
import type { CommitInfo, RejectedCommit } from "../ports/index.js";
import type { Resources, ServiceSpec, SpecWarning } from "../model/spec.js";
import type { EventLog } from "./event-log.js";

export type SyncState = "Synced" | "Progressing" | "Degraded" | "Rejected" | "Error";

export type HostStatusState = "up" | "down" | "draining" | "drained";

export type ServiceState =
  | "converged"
  | "progressing"
  | "degraded"
  | "paused"
  | "rolled-back"
  | "removing"
  // A replica waits for a retry (backoff), named after the reason as Kubernetes does:
  | WaitReason;

/**
 * Why a replica waits for a retry: its image cannot be pulled on its host, its container cannot
 * be created or started there, or it keeps crashing (crash-loop; oom-killed when the kernel killed
 * it for its memory limit).
 */
export type WaitReason = "image-pull-failed" | "start-failed" | "oom-killed" | "crash-loop";

/** A slot held back until its retry time (exponential backoff, up to 5 minutes). */
export interface WaitNote {
  readonly reason: WaitReason;
  readonly slot: string;
  readonly host: string;
  readonly image?: string;
  /** Failures in a row. */
  readonly attempts: number;
  /** ms since epoch of the first failure in this row. */
  readonly since?: number;
  /** ms since epoch of the next attempt. */
  readonly retryAt: number;
  /** The last error, as Docker or the pull said it (no secrets). */
  readonly error: string;
}

/** What the controller knows about a rollout that the replicas alone do not tell. */
export type RolloutPhase = "rolling-out" | "rolling-back" | "paused" | "rolled-back";

export interface HostInput {
  readonly name: string;
  readonly address: string;
  /** As observed by heartbeats. */
  readonly state: HostState;
  readonly drain: boolean;
  /** Removed from cluster.yaml: drained, then cleaned up once it answers. */
  readonly removed?: boolean;
  readonly capacity: Resources;
  readonly probation?: boolean;
  /** ms since epoch when it was last seen answering, for a down host. */
  readonly lastSeen?: number;
}

export interface EndpointInput {
  readonly published: number;
  readonly protocol: "tcp" | "udp";
  /** "host:port" of the replicas in rotation. */
  readonly backends: readonly string[];
}

export interface ServiceInput {
  readonly spec: ServiceSpec;
  /** Replicas wanted now (for global services: the eligible hosts). */
  readonly desired: number;
  readonly phase?: RolloutPhase;
  /** Why replicas could not be placed, as the scheduler says it. */
  readonly unschedulable?: readonly string[];
  /** Published ports and the backends the edge has in rotation (optional). */
  readonly endpoints?: readonly EndpointInput[];
  /** What the scheduler left undone for replicas bound by their volumes ("db/1 stays on h1: ..."). */
  readonly notes?: readonly string[];
  /** What the edges cannot serve as specified: a published port held by a container that is not ours. */
  readonly portConflicts?: readonly string[];
  /** Slots waiting for a retry after failures (backoff). */
  readonly waiting?: readonly WaitNote[];
  /** A held service (paused, rolled back): the older spec its failover and healing use. */
  readonly lastHealthySpec?: string;
}

/** A named volume no replica uses (gitfleet never deletes one). */
export interface UnusedVolume {
  readonly host: string;
  /** Docker's name. */
  readonly volume: string;
  /** "service/slot" it was made for, when labelled. */
  readonly owner?: string;
  readonly sizeBytes?: number;
  /** "no replica uses it" | "data moved to h2" | "unfinished copy from h1" */
  readonly why: string;
}

export interface StatusInput {
  readonly cluster: string;
  /** The commit whose desired state is in effect. */
  readonly desired?: CommitInfo;
  /** The last commit the cluster fully converged to; defaults to `desired` once Synced. */
  readonly applied?: string;
  readonly rejected?: RejectedCommit;
  /** A newer commit not applied yet (suspended, a deny window open), and why. */
  readonly waitingCommit?: {
    readonly commit: CommitInfo;
    readonly reason: string;
    /** ms since epoch. */
    readonly since: number;
  };
  /** What the suspend switch said at the last poll (src/desired/change-gate.ts). */
  readonly suspension?: SuspendState;
  /** The desired commit's warnings (path:line:col, code, message): applied, but worth a look. */
  readonly warnings?: readonly SpecWarning[];
  /** Git cannot be reached; the desired state is as old as `desired`. */
  readonly outage?: {
    readonly since: number;
    readonly error: string;
    /** The desired state was resumed from the operator's cache after a restart (it may be stale). */
    readonly fromCache?: boolean;
  };
  /** The last pass failed for a reason other than Git (message without secrets). */
  readonly error?: string;
  readonly hosts: readonly HostInput[];
  readonly services: readonly ServiceInput[];
  /** Every managed replica observed, whatever its service. */
  readonly replicas: readonly ObservedReplica[];
  readonly events: EventLog;
  /** Named volumes no replica uses, by host. */
  readonly unusedVolumes?: readonly UnusedVolume[];
  /** The leader of a standby-operator group that wrote this status (absent: a single instance). */
  readonly leader?: { readonly holder: string; readonly epoch: number };
  /** Events listed in cluster.yaml and STATUS.md (default 20). */
  readonly recentEvents?: number;
}
