// What to do with the kept replica of a slot when it already has the desired
// spec: nothing while it runs; start it when it was created but never started;
// restart it when it exited, died or turned unhealthy, as restart_policy's
// condition allows and unless the controller holds the slot back (delay,
// max_attempts: those need the clock, so they arrive as PlanOptions.holdRestart).

import type { ObservedReplica } from "../model/observed.js";
import type { RestartPolicy, ServiceSpec } from "../model/spec.js";
import { refOf, stopStep, waitStep, bringUp } from "./steps.js";
import type { ChangeKind, Step } from "./types.js";

export interface Fix {
  readonly change: ChangeKind;
  readonly reason: string;
  readonly steps: readonly Step[];
}

export function restartAllowed(policy: RestartPolicy, r: ObservedReplica): boolean {
  if (policy.condition === "none") return false;
  if (policy.condition === "any") return true;
  return !(r.state === "exited" && r.exitCode === 0);
}

/** Steps that bring a current-spec replica back to running; undefined when none are needed or allowed. */
export function fixReplica(
  cluster: string,
  spec: ServiceSpec,
  r: ObservedReplica,
  held: boolean,
  monitorMs: number,
): Fix | undefined {
  const broken =
    r.state === "exited" || r.state === "dead" || (r.state === "running" && r.health === "unhealthy");
  if (r.state !== "created" && (!broken || held || !restartAllowed(spec.deploy.restartPolicy, r))) {
    return undefined; // the common case: running fine, nothing to build
  }
  const ref = refOf(r);
  const startSteps = (reason: string): Step[] => [
    { kind: "start", host: r.host, container: ref, reason },
    waitStep(spec, r.host, ref, monitorMs),
  ];
  if (r.state === "created") {
    return { change: "create", reason: "created but never started", steps: startSteps("start the replica") };
  }
  if (r.state === "exited") {
    const reason = `exited with code ${r.exitCode ?? "?"}`;
    return { change: "restart", reason, steps: startSteps(`restart: ${reason}`) };
  }
  if (r.state === "dead") {
    const reason = "container is dead";
    const steps: Step[] = [
      { kind: "remove", host: r.host, container: ref, reason: "remove the dead container" },
      ...bringUp(cluster, spec, r.slot, r.host, monitorMs, "replace the dead container"),
    ];
    return { change: "restart", reason, steps };
  }
  const reason = "unhealthy";
  return {
    change: "restart",
    reason,
    steps: [stopStep(spec, r.host, ref, "restart: unhealthy"), ...startSteps("restart: unhealthy")],
  };
}
