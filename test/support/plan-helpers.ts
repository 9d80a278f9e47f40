// Readers over a Plan for assertions, and a one-call schedule + plan.

import type { ObservedReplica } from "../../src/model/observed.js";
import type { ServiceSpec } from "../../src/model/spec.js";
import { plan } from "../../src/plan/index.js";
import type { Plan, PlanOptions, Step, Task } from "../../src/plan/types.js";
import { schedule } from "../../src/schedule/index.js";
import { desiredState, observedCluster, type TestHost } from "./fixtures.js";

export function planFor(
  hosts: readonly TestHost[],
  services: readonly ServiceSpec[],
  replicas: readonly ObservedReplica[],
  options: PlanOptions = {},
): Plan {
  const d = desiredState(hosts, services);
  const obs = observedCluster(hosts, replicas);
  return plan(d, schedule(d, obs), obs, options);
}

export function tasksOf(p: Plan): Task[] {
  return p.rollouts.flatMap((r) => r.batches.flatMap((b) => b.tasks));
}

/** [change, slot, host, "step kinds"] per task, in plan order. */
export function brief(p: Plan): string[][] {
  return tasksOf(p).map((t) => [t.change, t.slot, t.host, t.steps.map((s) => s.kind).join(" ")]);
}

export function allSteps(p: Plan): Step[] {
  return p.rollouts.flatMap((r) => [
    ...r.prepare,
    ...r.batches.flatMap((b) => b.tasks.flatMap((t) => t.steps)),
    ...r.cleanup,
  ]);
}
