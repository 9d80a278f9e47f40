// A task's steps run in order; the first failure ends the task. Cancellation
// is checked between steps: the step in flight finishes, the rest is left to
// the next operator (or the next pass), which recomputes from the hosts.

import type { Step, Task } from "../plan/types.js";
import { isHostDown } from "../observe/fenced-driver.js";
import { errorCode, errorMessage } from "../ports/host.js";
import type { ExecContext, StepFailure, TaskResult } from "./context.js";
import { TaskSlot } from "./admission.js";
import { runStep, type StepScope } from "./steps.js";

const TASK_EVENT = {
  create: undefined,
  update: "updated",
  move: "moved",
  restart: "restarted",
  remove: undefined,
} as const;

export function runTask(
  ctx: ExecContext,
  task: Task,
  pullFailed: ReadonlyMap<string, string>,
): Promise<TaskResult> {
  // The image is checked before anything runs: a task whose new container's image could not be
  // pulled stops nothing (a stop-first update would otherwise take the running replica down).
  const blocked = task.steps.find((s) => s.kind === "create" && pullFailed.has(s.host));
  if (blocked !== undefined) {
    const message = pullFailed.get(blocked.host) ?? "image pull failed";
    const failure: StepFailure = { step: "pull", host: blocked.host, code: IMAGE_PULL_FAILED, message };
    return Promise.resolve({ task, status: "failed", stepsRun: 0, failure });
  }
  // Its steps start once its host has a slot (admission.ts): thousands of tasks asked for at once
  // wait as queued callbacks, not as started async functions (a suspended frame, its promise and
  // its slot each) waiting for their turn.
  const admission = ctx.admission;
  if (admission === undefined) return runAdmitted(ctx, task, pullFailed, new TaskSlot(undefined, task.host));
  return admission
    .admit(task.host)
    .then((release) => runAdmitted(ctx, task, pullFailed, new TaskSlot(admission, task.host, release)));
}

async function runAdmitted(
  ctx: ExecContext,
  task: Task,
  pullFailed: ReadonlyMap<string, string>,
  slot: TaskSlot,
): Promise<TaskResult> {
  let out: StepsOutcome;
  try {
    out = await runSteps(ctx, task.steps, { task, undo: false, pullFailed, slot });
  } finally {
    slot.give();
  }
  if (out.failure !== undefined) {
    return { task, status: "failed", stepsRun: out.stepsRun, failure: out.failure };
  }
  if (out.cancelled) return { task, status: "cancelled", stepsRun: out.stepsRun };
  const kind = TASK_EVENT[task.change];
  if (kind !== undefined) {
    const where = task.change === "move" ? `${task.from ?? "?"} → ${task.host}` : task.host;
    ctx.events({
      time: ctx.time.now(),
      kind,
      service: task.service,
      slot: task.slot,
      host: task.host,
      ...(task.specHash !== undefined ? { specHash: task.specHash } : {}),
      message: `${task.service}/${task.slot} ${kind} on ${where}: ${task.reason}`,
    });
  }
  return { task, status: "ok", stepsRun: out.stepsRun };
}

export const IMAGE_PULL_FAILED = "image-pull-failed";

/** The task never started because its image could not be pulled: it says nothing about the spec. */
export function isPullBlocked(r: TaskResult): boolean {
  return r.stepsRun === 0 && r.failure?.code === IMAGE_PULL_FAILED;
}

export interface StepsOutcome {
  readonly stepsRun: number;
  readonly cancelled: boolean;
  readonly failure?: StepFailure;
}

export async function runSteps(
  ctx: ExecContext,
  steps: readonly Step[],
  scope: StepScope,
): Promise<StepsOutcome> {
  let stepsRun = 0;
  for (const step of steps) {
    if (ctx.signal.aborted) return { stepsRun, cancelled: true };
    stepsRun++;
    try {
      await runGated(ctx, step, scope, stepsRun === steps.length);
    } catch (err) {
      const code = errorCode(err);
      // A host declared down says nothing about the spec: the task is cancelled, not failed (no
      // rollback, no held spec hash), and the next pass moves the slot to a survivor.
      if (code === "cancelled" || isHostDown(err)) {
        if (isHostDown(err)) ctx.logger.info({ service: scope.task.service, host: err.host }, err.message);
        return { stepsRun, cancelled: true };
      }
      const failure: StepFailure = { step: step.kind, host: step.host, code, message: errorMessage(err) };
      ctx.logger.warn(
        { service: scope.task.service, slot: scope.task.slot, ...failure, undo: scope.undo },
        "step failed",
      );
      return { stepsRun, cancelled: false, failure };
    }
  }
  return { stepsRun, cancelled: false };
}

/**
 * One step; a health gate runs without the task's slot, which is taken again for the next step.
 * After a task's last step there is none: a deploy's tasks end with their gate, and each waited
 * in its host's queue for a slot only to give it back (at 1,000 hosts ~4,800 such finished tasks
 * waited at once, holding their frames, and kept their rollouts from completing).
 */
async function runGated(ctx: ExecContext, step: Step, scope: StepScope, last: boolean): Promise<void> {
  if (step.kind !== "wait-healthy" || scope.slot === undefined) return runStep(ctx, step, scope);
  scope.slot.give();
  await runStep(ctx, step, scope);
  if (!last) await scope.slot.take();
}
