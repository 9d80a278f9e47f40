// What the executor is given (ports and the desired state) and what it
// returns: per task and per rollout, what happened, so that the loop can hold
// failed spec hashes, retry, and report.

import type { Logger } from "../ports/logger.js";
import type { DesiredState, ServiceSpec } from "../model/spec.js";
import type { Rollout, StepKind, Task } from "../plan/types.js";
import type { EventSink } from "../report/events.js";
import type { HostDriver } from "../ports/host.js";
import type { Time } from "../ports/time.js";
import type { AdmissionLimits, TaskAdmission } from "./admission.js";

/** How the executor learns and reports restart counts (see restarts.ts). */
export interface RestartHooks {
  /** Restarts of the slot so far, carried onto a replacement container. */
  restartsOf(service: string, slot: string): number;
  /** A restart task brought the slot back: in place (same container) or by a new container. */
  restarted(e: { service: string; slot: string; containerId?: string; inPlace: boolean }): void;
  /** gitfleet stopped this container itself (so its exit is no failure of the replica). */
  stopped?(container: { readonly id?: string; readonly name: string }): void;
  /** gitfleet started this container (again). */
  running?(container: { readonly id?: string; readonly name: string }): void;
}

export interface ExecContext {
  readonly desired: DesiredState;
  /**
   * Specs of earlier commits by service and hash: a held service's replacements use the last
   * healthy spec of their slot, which the desired state no longer has.
   */
  readonly specOf?: (service: string, specHash: string) => ServiceSpec | undefined;
  /** The commit new containers are labelled with. */
  readonly commit: string;
  readonly driver: (host: string) => HostDriver | undefined;
  readonly time: Time;
  /** Abort = stop after the current step (waits and delays end early). */
  readonly signal: AbortSignal;
  readonly events: EventSink;
  readonly restarts: RestartHooks;
  readonly logger: Logger;
  /** How often wait-healthy looks at a container (default 250 ms). */
  readonly pollMs?: number;
  /**
   * How many tasks run at once, per host and in the fleet (admission.ts); unset, executePlan
   * makes one for the plan with admissionLimits (the defaults where unset).
   */
  readonly admission?: TaskAdmission;
  /** The limits of the admission executePlan makes (the operator configuration's `tasks:`). */
  readonly admissionLimits?: AdmissionLimits;
}

export interface StepFailure {
  readonly step: StepKind;
  readonly host: string;
  readonly code: string;
  readonly message: string;
}

export type TaskStatus = "ok" | "failed" | "cancelled";

export interface TaskResult {
  readonly task: Task;
  readonly status: TaskStatus;
  /** Steps attempted (a failed step counts): 0 means the task never started. */
  readonly stepsRun: number;
  readonly failure?: StepFailure;
}

export type RolloutStatus =
  | "completed" // every task went through
  | "failed" // some task failed and no failure_action applied (non-rolling, or "continue")
  | "paused"
  | "rolled-back"
  | "skipped" // a rollout it waits for did not complete healthy
  | "cancelled";

/** One image pull of a rollout's prepare step; `error` when it failed. */
export interface PullOutcome {
  readonly host: string;
  readonly image: string;
  readonly error?: string;
}

export interface RolloutResult {
  readonly rollout: Rollout;
  readonly status: RolloutStatus;
  readonly tasks: readonly TaskResult[];
  /** Undo steps that failed during a rollback. */
  readonly undoFailures: readonly StepFailure[];
  readonly message: string;
  /** The image pulls it tried before its tasks (none when every host had the image). */
  readonly pulls?: readonly PullOutcome[];
}

export interface ExecutionResult {
  readonly rollouts: readonly RolloutResult[];
  readonly cancelled: boolean;
  /** Steps that changed something on a host (for "run another pass to confirm"). */
  readonly stepsRun: number;
}

export function isHealthyOutcome(r: RolloutResult): boolean {
  return r.status === "completed";
}
