// One service's rollout, per update_config (Swarm semantics): pulls first,
// then batches in order with their delay; after each rolling batch the
// failure ratio decides between going on, pausing and rolling back. Cleanup
// of superseded containers only for tasks that went through.

import type { RemoveStep, Rollout, Task } from "../plan/types.js";
import { isHostDown } from "../observe/fenced-driver.js";
import { errorCode, errorMessage } from "../ports/host.js";
import type {
  ExecContext,
  PullOutcome,
  RolloutResult,
  RolloutStatus,
  StepFailure,
  TaskResult,
} from "./context.js";
import { rollBack } from "./rollback.js";
import { runStep } from "./steps.js";
import { isPullBlocked, runTask } from "./task.js";

// eslint-disable-next-line max-lines-per-function -- a rollout's batches with the failure ratio, rollback and pause decisions that span them
export async function runRollout(ctx: ExecContext, rollout: Rollout): Promise<RolloutResult> {
  const results: TaskResult[] = [];
  const pulls: PullOutcome[] = [];
  const done = (
    status: RolloutStatus,
    message: string,
    undoFailures: readonly StepFailure[] = [],
  ): RolloutResult => ({
    rollout,
    status,
    tasks: results,
    undoFailures,
    message,
    pulls,
  });
  if (ctx.signal.aborted) return done("cancelled", "stopping before it started");
  const pullFailed = await prepare(ctx, rollout, pulls);
  const rollingTotal = rollout.batches.filter((b) => b.rolling).reduce((n, b) => n + b.tasks.length, 0);
  const started: TaskResult[] = [];
  let failedRolling = 0;
  for (let i = 0; i < rollout.batches.length; i++) {
    const batch = rollout.batches[i];
    if (batch === undefined) continue;
    if (ctx.signal.aborted) return done("cancelled", "stopping: remaining batches left to the next pass");
    const outs = await Promise.all(batch.tasks.map((t) => runTask(ctx, t, pullFailed)));
    results.push(...outs);
    for (const o of outs) {
      if (batch.rolling && o.stepsRun > 0) started.push(o);
      // A task held back by a failed pull is reported with the pull and retried with backoff:
      // nothing was started, so it does not judge the spec (no pause, no rollback).
      if (o.status !== "failed" || isPullBlocked(o)) continue;
      if (batch.rolling) failedRolling++;
      reportFailure(ctx, o, batch.rolling);
    }
    if (outs.some((o) => o.status === "cancelled"))
      return done("cancelled", "stopping: a task was interrupted");
    const ratio = rollingTotal === 0 ? 0 : failedRolling / rollingTotal;
    if (batch.rolling && failedRolling > 0 && ratio > rollout.updateConfig.maxFailureRatio) {
      const why = `${failedRolling}/${rollingTotal} rolling tasks failed (max_failure_ratio ${rollout.updateConfig.maxFailureRatio}): ${firstFailure(results)}`;
      const action = rollout.updateConfig.failureAction;
      if (action === "pause") {
        emit(ctx, rollout, "paused", `update paused: ${why}`);
        return done("paused", why);
      }
      if (action === "rollback") {
        const undoFailures = await rollBack(ctx, rollout, started);
        if (undoFailures.length > 0) {
          emit(
            ctx,
            rollout,
            "rollback-failed",
            `rollback incomplete: ${undoFailures.map((f) => f.message).join("; ")}`,
          );
        }
        emit(ctx, rollout, "rolled-back", `rolled back: ${why}`);
        return done("rolled-back", why, undoFailures);
      }
    }
    const last = i === rollout.batches.length - 1;
    if (!last && batch.delayAfterMs > 0) await ctx.time.sleep(batch.delayAfterMs, ctx.signal);
  }
  await cleanup(ctx, rollout, results);
  const failed = results.filter((r) => r.status === "failed").length;
  return failed === 0
    ? done("completed", rollout.reason)
    : done("failed", `${failed} task(s) failed: ${firstFailure(results)}`);
}

/** Pull in parallel; the tasks that create a container on a host whose pull failed do not start. */
async function prepare(
  ctx: ExecContext,
  rollout: Rollout,
  pulls: PullOutcome[],
): Promise<Map<string, string>> {
  const failed = new Map<string, string>();
  const fake: Task = {
    service: rollout.service,
    slot: "",
    change: "create",
    host: "",
    reason: "prepare",
    steps: [],
    undo: [],
  };
  // Each pull once its host has a slot (admission.ts): a deploy's thousands of pulls wait as
  // queued functions, not as started calls each holding a deadline timer and an abort controller.
  await Promise.all(
    rollout.prepare.map((step) =>
      admitted(ctx, step.host, async () => {
        try {
          await runStep(ctx, step, { task: { ...fake, host: step.host }, undo: false, pullFailed: failed });
          pulls.push({ host: step.host, image: step.image });
        } catch (err) {
          // Not a pull failure: the host's own steps are cancelled by the fence when they run.
          if (isHostDown(err)) return;
          const error = errorMessage(err);
          const message = `image-pull-failed: ${step.image} on ${step.host}: ${error}`;
          pulls.push({ host: step.host, image: step.image, error });
          ctx.events({
            time: ctx.time.now(),
            kind: "image-pull-failed",
            service: rollout.service,
            host: step.host,
            message,
          });
          ctx.logger.warn(
            { service: rollout.service, host: step.host, image: step.image, code: errorCode(err) },
            message,
          );
          failed.set(step.host, message);
        }
      }),
    ),
  );
  return failed;
}

/** Remove superseded containers, except those of rolling tasks that did not go through. */
async function cleanup(ctx: ExecContext, rollout: Rollout, results: readonly TaskResult[]): Promise<void> {
  const keep = new Set<string>();
  for (const r of results) {
    if (r.status === "ok") continue;
    for (const s of r.task.steps) if (s.kind === "stop" || s.kind === "remove") keep.add(refKey(s.container));
    for (const s of r.task.undo) if (s.kind === "start") keep.add(refKey(s.container));
  }
  const steps = rollout.cleanup.filter((s) => !keep.has(refKey(s.container)));
  await Promise.all(steps.map((s) => admitted(ctx, s.host, () => removeQuietly(ctx, rollout, s))));
}

/** `work` once its host has a slot of the plan's admission (at once without one). */
function admitted<T>(ctx: ExecContext, host: string, work: () => Promise<T>): Promise<T> {
  return ctx.admission !== undefined ? ctx.admission.run(host, work) : work();
}

async function removeQuietly(ctx: ExecContext, rollout: Rollout, step: RemoveStep): Promise<void> {
  const task: Task = {
    service: rollout.service,
    slot: "",
    change: "update",
    host: step.host,
    reason: step.reason,
    steps: [],
    undo: [],
  };
  try {
    await runStep(ctx, step, { task, undo: false, pullFailed: new Map() });
  } catch (err) {
    // Harmless: the stopped container stays until the next pass removes it as a duplicate.
    ctx.logger.warn(
      { service: rollout.service, host: step.host, container: step.container.name, err: errorMessage(err) },
      "cleanup failed",
    );
  }
}

function refKey(c: { readonly id?: string; readonly name: string }): string {
  return c.id ?? c.name;
}

function reportFailure(ctx: ExecContext, o: TaskResult, rolling: boolean): void {
  const f = o.failure;
  ctx.events({
    time: ctx.time.now(),
    kind: rolling ? "update-failed" : "failed",
    service: o.task.service,
    slot: o.task.slot,
    host: f?.host ?? o.task.host,
    ...(o.task.specHash !== undefined ? { specHash: o.task.specHash } : {}),
    message: `${o.task.service}/${o.task.slot} ${o.task.change} failed at ${f?.step ?? "?"}: ${f?.message ?? "?"}`,
  });
}

function firstFailure(results: readonly TaskResult[]): string {
  const f = results.find((r) => r.failure !== undefined)?.failure;
  return f === undefined ? "" : `${f.step} on ${f.host}: ${f.message}`;
}

function emit(
  ctx: ExecContext,
  rollout: Rollout,
  kind: "paused" | "rolled-back" | "rollback-failed",
  message: string,
): void {
  const specHash = rollout.batches.flatMap((b) => b.tasks).find((t) => t.specHash !== undefined)?.specHash;
  ctx.events({
    time: ctx.time.now(),
    kind,
    service: rollout.service,
    ...(specHash !== undefined ? { specHash } : {}),
    message,
  });
}
