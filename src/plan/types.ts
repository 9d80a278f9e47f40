// The planner's output: ordered, explained steps that the executor runs
// against Docker. Plain data, no behaviour. Structure:
//
//   Plan ─ rollouts (one per service that changes; dependencies first)
//     Rollout ─ prepare (image pulls, in parallel, before anything changes)
//             ─ batches (in order; `delayAfterMs` between them)
//                 Batch ─ tasks (run concurrently)
//                           Task ─ steps (in order), undo (for rollback)
//             ─ cleanup (removal of superseded containers, after every batch succeeded)
//
// Executor contract (Swarm semantics):
// - A rollout starts once every rollout named in `waitFor` has completed with its tasks healthy.
//   If one of those failed, this rollout is skipped (and reported).
// - Only tasks of batches with `rolling: true` count for update_config: a task fails when a step
//   fails or its wait-healthy step sees the container exit / turn unhealthy within monitorMs.
//   failure ratio = failed rolling tasks / all rolling tasks of the rollout. When it exceeds
//   updateConfig.maxFailureRatio, apply updateConfig.failureAction:
//     "pause"    stop the rollout here (no cleanup); report paused.
//     "continue" go on with the next batch.
//     "rollback" run the `undo` steps of every rolling task that started, most recent first,
//                in groups of rollbackConfig.parallelism (0 = all) with rollbackConfig.delayMs
//                between groups; no cleanup. Report rolled back.
//   After pause/rollback the controller passes PlanOptions.hold so the next pass does not retry
//   the same spec hash.
// - Steps targeting a container use ContainerRef: `id` when the container exists already, else
//   the deterministic `name` given to the create step (Docker accepts either).
// - Steps are idempotent: 409 on create = exists, 304 on stop and 404 on remove = done.

import type { ServiceSpec, UpdateConfig } from "../model/spec.js";

export type ChangeKind =
  | "create" // a new slot (scale up, new service, new host for a global service)
  | "update" // the spec hash changed: replace the replica on the same host
  | "move" // the slot's host changed (host down/draining, constraint, capacity, rebalance)
  | "remove" // surplus (scale down), duplicate for one slot, or service pruned
  | "restart"; // the replica exited or died: start it again / replace it

export interface ContainerRef {
  readonly id?: string;
  readonly name: string;
}

interface StepBase {
  readonly host: string;
  /** Short, for people and logs: "image not present on h2". */
  readonly reason: string;
}

export interface PullStep extends StepBase {
  readonly kind: "pull";
  readonly image: string;
}

/** Create (not start) the container for one slot; the executor takes the ServiceSpec from the desired state. */
export interface CreateStep extends StepBase {
  readonly kind: "create";
  readonly service: string;
  readonly slot: string;
  readonly specHash: string;
  readonly name: string;
  /** The image of that spec (pulled in the rollout's prepare step when the host lacks it). */
  readonly image: string;
}

export interface StartStep extends StepBase {
  readonly kind: "start";
  readonly container: ContainerRef;
}

/**
 * Wait until the container runs (and is healthy when it has a healthcheck), at most timeoutMs,
 * then watch it for monitorMs: exiting or turning unhealthy in that time fails the task.
 */
export interface WaitHealthyStep extends StepBase {
  readonly kind: "wait-healthy";
  readonly container: ContainerRef;
  readonly hasHealthcheck: boolean;
  readonly timeoutMs: number;
  readonly monitorMs: number;
}

export interface StopStep extends StepBase {
  readonly kind: "stop";
  readonly container: ContainerRef;
  /** stop_grace_period: SIGTERM, then SIGKILL after this long. */
  readonly graceMs: number;
}

export interface RemoveStep extends StepBase {
  readonly kind: "remove";
  readonly container: ContainerRef;
}

export type Step = PullStep | CreateStep | StartStep | WaitHealthyStep | StopStep | RemoveStep;
export type StepKind = Step["kind"];

/** One slot's change: its steps run in order. */
export interface Task {
  readonly service: string;
  readonly slot: string;
  readonly change: ChangeKind;
  /** Where the slot's replica runs afterwards; for "remove", where a container is removed. */
  readonly host: string;
  /** "move": the host the replica leaves. */
  readonly from?: string;
  /** Spec hash of the replaced container ("update", "move") or removed one ("remove"). */
  readonly fromSpecHash?: string;
  /** Spec hash of the resulting replica (absent for "remove"). */
  readonly specHash?: string;
  readonly reason: string;
  /**
   * A "move" that brings back a replica that failed (exited or died): like a "restart",
   * restart_policy allowed it and the new container counts one restart more.
   */
  readonly restart?: boolean;
  /**
   * The task brings back a replica gitfleet stopped itself (ObservedReplica.stoppedByOperator):
   * like rollouts, moves and fencing, it is not counted as a restart of the replica.
   */
  readonly operatorCaused?: true;
  readonly steps: readonly Step[];
  /** Steps that restore the previous replica (rolling tasks only; empty otherwise). */
  readonly undo: readonly Step[];
}

export interface Batch {
  /** True for update_config-governed batches (updates and moves of live replicas). */
  readonly rolling: boolean;
  readonly reason: string;
  readonly tasks: readonly Task[];
  /** update_config.delay before the next batch starts (0 after the last). */
  readonly delayAfterMs: number;
}

export interface Rollout {
  readonly service: string;
  readonly reason: string;
  readonly updateConfig: UpdateConfig;
  readonly rollbackConfig: UpdateConfig;
  /** The service's depends_on, as declared. */
  readonly dependsOn: readonly string[];
  /** Rollouts in this plan that must complete healthy before this one starts (subset of dependsOn). */
  readonly waitFor: readonly string[];
  readonly prepare: readonly PullStep[];
  readonly batches: readonly Batch[];
  /** Removal of containers superseded by rolling tasks; only after every batch went through. */
  readonly cleanup: readonly RemoveStep[];
}

export interface HeldService {
  readonly service: string;
  readonly specHash: string;
  readonly reason: string;
  /** The older spec its failover and healing use (absent when none is known). */
  readonly lastHealthy?: string;
}

/** A slot left as it is until its image can be pulled on its host (PlanOptions.pullWaiting). */
export interface WaitingSlot {
  readonly service: string;
  readonly slot: string;
  readonly host: string;
  readonly image: string;
  readonly reason: "image-pull-failed";
}

export interface Plan {
  /** Dependencies before dependents; otherwise by service name. Pruned services last. */
  readonly rollouts: readonly Rollout[];
  /** Services left alone because PlanOptions.hold names their current spec hash. */
  readonly held: readonly HeldService[];
  /** Slots whose change waits for an image pull to be retried (nothing running is touched). */
  readonly waiting?: readonly WaitingSlot[];
}

export interface PlanOptions {
  /**
   * slotKey(service, slot) of replicas whose restart is held back now (restart_policy delay,
   * max_attempts within window): computed by the controller from restartCount/finishedAt and its clock.
   */
  readonly holdRestart?: ReadonlySet<string>;
  /**
   * service → spec hash whose rollout was paused or rolled back: do not roll it out again
   * (only exited replicas are restarted) until the desired spec hash changes.
   */
  readonly hold?: ReadonlyMap<string, string>;
  /**
   * Whether the pull of `image` on `host` failed and its retry time has not come (backoff, kept
   * by the controller): a change that needs a new container of that image there waits, and the
   * slot's running replica is left alone.
   */
  readonly pullWaiting?: (host: string, image: string) => boolean;
  /**
   * Specs of earlier commits, by service and spec hash (the controller's memory): a held
   * service's failover and healing create replicas of the last healthy spec of each slot.
   */
  readonly specOf?: (service: string, specHash: string) => ServiceSpec | undefined;
}
