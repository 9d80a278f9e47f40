// Rollback of a failed rolling update: the undo steps of every rolling task
// that started, most recent first, in groups of rollback_config.parallelism
// (0 = all at once) with rollback_config.delay between groups. A failing undo
// is reported and the rest goes on: the next pass repairs what is left.

import type { Rollout } from "../plan/types.js";
import type { ExecContext, StepFailure, TaskResult } from "./context.js";
import { runSteps } from "./task.js";

export async function rollBack(
  ctx: ExecContext,
  rollout: Rollout,
  started: readonly TaskResult[],
): Promise<StepFailure[]> {
  const order = [...started].reverse().filter((t) => t.task.undo.length > 0);
  const cfg = rollout.rollbackConfig;
  const size = cfg.parallelism > 0 ? cfg.parallelism : Math.max(1, order.length);
  const failures: StepFailure[] = [];
  for (let i = 0; i < order.length; i += size) {
    if (ctx.signal.aborted) break;
    if (i > 0 && cfg.delayMs > 0) await ctx.time.sleep(cfg.delayMs, ctx.signal);
    const group = order.slice(i, i + size);
    const outs = await Promise.all(
      group.map((t) => runSteps(ctx, t.task.undo, { task: t.task, undo: true, pullFailed: new Map() })),
    );
    for (const o of outs) if (o.failure !== undefined) failures.push(o.failure);
  }
  return failures;
}
