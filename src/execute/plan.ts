// Runs a whole plan: every rollout starts as soon as the rollouts it waits
// for have completed healthy (independent services roll out side by side;
// the adapter bounds the calls per host, and admission.ts the tasks running
// at once per host and in the fleet). A rollout whose dependency did not
// complete healthy is skipped and reported; the next pass tries again.

import type { Plan, Rollout } from "../plan/types.js";
import type { ExecContext, ExecutionResult, RolloutResult } from "./context.js";
import { isHealthyOutcome } from "./context.js";
import { runRollout } from "./rollout.js";
import { TaskAdmission } from "./admission.js";

export async function executePlan(given: ExecContext, plan: Plan): Promise<ExecutionResult> {
  // One admission for all rollouts of the plan: a host's tasks of every service share its slots.
  const ctx: ExecContext =
    given.admission !== undefined
      ? given
      : { ...given, admission: new TaskAdmission(given.admissionLimits, given.signal) };
  // Only rollouts earlier in the plan count: the planner puts dependencies first, and this way a
  // malformed plan can never make two rollouts wait for each other.
  const position = new Map(plan.rollouts.map((r, i) => [r.service, i]));
  const before = (r: Rollout, s: string): boolean =>
    (position.get(s) ?? Infinity) < (position.get(r.service) ?? 0);
  const running = new Map<string, Promise<RolloutResult>>();
  const start = (r: Rollout): Promise<RolloutResult> => {
    let p = running.get(r.service);
    if (p === undefined) {
      p = runAfter(
        ctx,
        r,
        r.waitFor.filter((s) => before(r, s)),
        lookup,
      );
      running.set(r.service, p);
    }
    return p;
  };
  const byName = new Map(plan.rollouts.map((r) => [r.service, r]));
  const lookup = (service: string): Promise<RolloutResult> | undefined => {
    const r = byName.get(service);
    return r === undefined ? undefined : start(r);
  };
  const results = await Promise.all(plan.rollouts.map(start));
  const stepsRun = results.reduce((n, r) => n + r.tasks.reduce((m, t) => m + t.stepsRun, 0), 0);
  return { rollouts: results, cancelled: ctx.signal.aborted, stepsRun };
}

async function runAfter(
  ctx: ExecContext,
  rollout: Rollout,
  waitFor: readonly string[],
  lookup: (service: string) => Promise<RolloutResult> | undefined,
): Promise<RolloutResult> {
  const deps = await Promise.all(waitFor.map((s) => lookup(s)));
  const failed = deps.filter((d): d is RolloutResult => d !== undefined && !isHealthyOutcome(d));
  if (failed.length > 0) {
    const names = failed.map((d) => `${d.rollout.service} (${d.status})`).join(", ");
    const message = `not started: waits for ${names}`;
    if (ctx.signal.aborted) return { rollout, status: "cancelled", tasks: [], undoFailures: [], message };
    ctx.events({ time: ctx.time.now(), kind: "skipped", service: rollout.service, message });
    return { rollout, status: "skipped", tasks: [], undoFailures: [], message };
  }
  return runRollout(ctx, rollout);
}
