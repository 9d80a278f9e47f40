// What to do with the kept replica of a slot when it already has the desired
// spec: nothing while it runs; start it when it was created but never started;
// replace it when it exited, died or turned unhealthy, as restart_policy's
// condition allows and unless the controller holds the slot back (delay,
// max_attempts: those need the clock, so they arrive as PlanOptions.holdRestart).
//
// Replace, not start again: Docker 20.10 remounts a tmpfs as 0755 root when a
// stopped container is started again, which locks a non-root service out of
// it, and Swarm too makes a new task for every restart. The old container is
// removed first (the new one takes its deterministic name), and the new one
// carries the slot's restart count + 1 in its gitfleet.restarts label, so the
// count survives an operator restart without any memory.

import type { ObservedReplica } from "../model/observed.js";
import type { RestartPolicy, ServiceSpec } from "../model/spec.js";
import { bringUp, refOf, takeDown, waitStep } from "./steps.js";
import type { ChangeKind, Step } from "./types.js";

export interface Fix {
  readonly change: ChangeKind;
  readonly reason: string;
  readonly steps: readonly Step[];
  /** Brings back a replica gitfleet stopped itself: not counted as a restart. */
  readonly operatorCaused?: true;
}

export function restartAllowed(policy: RestartPolicy, r: ObservedReplica): boolean {
  if (r.stoppedByOperator === true) return true; // not a failure of the replica
  if (policy.condition === "none") return false;
  if (policy.condition === "any") return true;
  return !(r.state === "exited" && r.exitCode === 0);
}

/** Stopped for good: exited or dead (what restart_policy is about, besides unhealthy). */
export function isFailed(r: ObservedReplica): boolean {
  return r.state === "exited" || r.state === "dead";
}

/** Failed or unhealthy: what restart_policy replaces. */
export function isBroken(r: ObservedReplica): boolean {
  return isFailed(r) || (r.state === "running" && r.health === "unhealthy");
}

/** Why a failed or unhealthy replica needs replacing, for the task's reason. */
export function failureOf(r: ObservedReplica): string {
  if (r.stoppedByOperator === true && isFailed(r)) return "stopped by gitfleet";
  if (r.state === "dead") return "container is dead";
  if (r.state !== "exited") return "unhealthy";
  const code = r.exitCode ?? "?";
  return r.oomKilled === true ? `OOM-killed (exit code ${code})` : `exited with code ${code}`;
}

/** Steps that bring a current-spec replica back to running; undefined when none are needed or allowed. */
export function fixReplica(
  cluster: string,
  spec: ServiceSpec,
  r: ObservedReplica,
  held: boolean,
  monitorMs: number,
): Fix | undefined {
  if (r.state === "created") {
    const ref = refOf(r);
    const steps: Step[] = [
      { kind: "start", host: r.host, container: ref, reason: "start the replica" },
      waitStep(spec, r.host, ref, monitorMs),
    ];
    return { change: "create", reason: "created but never started", steps };
  }
  if (!isBroken(r) || held || !restartAllowed(spec.deploy.restartPolicy, r)) {
    return undefined; // the common case: running fine, nothing to build
  }
  const reason = failureOf(r);
  const steps: Step[] = [
    ...takeDown(spec, r, `replace: ${reason}`),
    ...bringUp(cluster, spec, r.slot, r.host, monitorMs, `replace: ${reason}`),
  ];
  return {
    change: "restart",
    reason,
    steps,
    ...(r.stoppedByOperator === true ? { operatorCaused: true } : {}),
  };
}
