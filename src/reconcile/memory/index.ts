// What the reconciler keeps from one pass to the next, in one place. None of
// it is needed for correctness (a restarted operator starts with none of it
// and converges all the same); it makes passes better: restart counts carried
// in place, held rollouts, OOM avoidance, the move budget, specs of earlier
// commits, retry backoff, hosts removed from cluster.yaml, the commit the
// deletion guard last let through, the last decision (so the next one covers
// only what changed), and what the last pass found for status.

import { DEFAULT_MAX_MOVES_PER_MINUTE } from "../../spec/index.js";
import type { HostBook } from "../../ports/host-book.js";
import type { Logger } from "../../ports/logger.js";
import type { EventSink } from "../../report/events.js";
import type { HoldRecord } from "../../status/parse-holds.js";
import type { WaitNote } from "../../status/index.js";
import type { EdgePassResult } from "../../execute/edge/keeper.js";
import { RemovalGuard } from "../removal-guard.js";
import { MoveBudget } from "./move-budget.js";
import { OomAvoidance } from "./oom-avoidance.js";
import { ReplicaBackoff } from "./replica-backoff.js";
import { RestartBook } from "./restarts.js";
import { RetiredHosts } from "./retired-hosts.js";
import { RolloutHolds } from "./rollout-holds.js";
import { SpecLibrary } from "./spec-library.js";
import { DecisionMemo } from "./decisions.js";

export interface MemoryOptions {
  readonly now: () => number;
  /** Random source for backoff jitter. */
  readonly random: () => number;
  readonly logger: Logger;
  readonly events: EventSink;
  /** Where the hosts ever applied are remembered (to clean up a host removed from cluster.yaml). */
  readonly hostBook?: HostBook;
  /** The operator's ceiling still allows this Docker endpoint (a remembered host's is checked again). */
  readonly endpointAllowed?: (docker: string) => boolean;
}

export class ReconcileMemory {
  /** Restarts per slot, carried onto replacement containers. */
  readonly restarts: RestartBook;
  /** Rollouts paused or rolled back: their spec hash is not tried again. */
  readonly holds = new RolloutHolds();
  /** Hosts a service's replacements avoid for a while after an OOM kill there. */
  readonly oom = new OomAvoidance();
  /** Flap protection: replica moves per rolling minute, cluster-wide. */
  readonly moves = new MoveBudget(DEFAULT_MAX_MOVES_PER_MINUTE);
  /** Specs of earlier commits: a held service's failover uses the last healthy spec of each slot. */
  readonly specs = new SpecLibrary();
  /** Pulls, creates and starts that keep failing are retried with backoff. */
  readonly backoff: ReplicaBackoff;
  /** Hosts removed from cluster.yaml, kept draining until cleaned up. */
  readonly retired: RetiredHosts;
  /** The last schedule and plan: a pass after a small change decides only what changed. */
  readonly decisions = new DecisionMemo();
  /** Guarded deletions: the last commit let through. */
  readonly removals = new RemovalGuard();
  /**
   * Held rollouts read back from the committed status: read before this process
   * writes any status (which would replace it), taken by the first pass with a
   * desired state. "pending" until a read succeeds.
   */
  restoredHolds: readonly HoldRecord[] | "pending" | "done" = "pending";
  /**
   * Per service, the spec hash whose rolling update was last told as started: a
   * rollout retried pass after pass (an image that cannot be pulled yet) is one
   * update, told once, until it completes or another spec replaces it.
   */
  readonly rolloutsTold = new Map<string, string>();
  /** The moves deferred by the last pass, so an unchanged deferral is reported once. */
  lastDeferred = "";

  // What the last pass found, for status.
  /** Per held service, the older spec its failover and healing use. */
  lastHealthy = new Map<string, string>();
  /** Per service, the slots waiting for a retry as the last pass saw them. */
  waiting = new Map<string, WaitNote[]>();
  /** Per service, the endpoints in rotation after the last edge step. */
  endpoints: EdgePassResult["endpoints"] = new Map();
  /** Per service, published ports some host's edge cannot serve. */
  portConflicts: EdgePassResult["conflicts"] = new Map();

  constructor(o: MemoryOptions) {
    this.restarts = new RestartBook(o.now);
    this.backoff = new ReplicaBackoff(o.random);
    this.retired = new RetiredHosts({
      ...(o.hostBook !== undefined ? { book: o.hostBook } : {}),
      ...(o.endpointAllowed !== undefined ? { endpointAllowed: o.endpointAllowed } : {}),
      logger: o.logger,
      events: o.events,
      now: o.now,
    });
  }

  /** The last edge step's endpoints and conflicts (a drain's edge step counts too). */
  edgesSeen(result: EdgePassResult): void {
    this.endpoints = result.endpoints;
    this.portConflicts = result.conflicts;
  }
}
