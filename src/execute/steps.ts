// One step against one host. Idempotent as the adapter makes it (409 on
// create adopts, 304 on start/stop and 404 on stop/remove are "done"), so a
// pass interrupted half-way is simply followed by another.

import type { ServiceSpec } from "../model/spec.js";
import type {
  CreateStep,
  PullStep,
  RemoveStep,
  StartStep,
  Step,
  StopStep,
  Task,
  WaitHealthyStep,
} from "../plan/types.js";
import { ControllerError, type HostDriver } from "../ports/host.js";
import type { ExecContext } from "./context.js";
import type { TaskSlot } from "./admission.js";
import { waitHealthy } from "./wait-healthy.js";

export interface StepScope {
  readonly task: Task;
  /** True while running a task's undo steps (a rollback), not its own. */
  readonly undo: boolean;
  /** Hosts whose image pull failed in prepare: a create there fails at once. */
  readonly pullFailed: ReadonlyMap<string, string>;
  /** The task's slot of its host (admission.ts), given back while a health gate waits. */
  readonly slot?: TaskSlot;
}

export async function runStep(ctx: ExecContext, step: Step, scope: StepScope): Promise<void> {
  const driver = ctx.driver(step.host);
  if (driver === undefined)
    throw new ControllerError("host-unreachable", `host ${step.host} is not connected`);
  const { task } = scope;
  const run: StepRun = {
    ctx,
    scope,
    driver,
    base: { service: task.service, slot: task.slot, host: step.host, change: task.change },
  };
  switch (step.kind) {
    case "pull":
      return pull(run, step);
    case "create":
      return create(run, step);
    case "start":
      return start(run, step);
    case "wait-healthy":
      return healthy(run, step);
    case "stop":
      return stop(run, step);
    case "remove":
      return remove(run, step);
  }
}

/** What every step's runner is given: the context, the task's scope, the host's driver. */
interface StepRun {
  readonly ctx: ExecContext;
  readonly scope: StepScope;
  readonly driver: HostDriver;
  /** The fields of every event the step records. */
  readonly base: { service: string; slot: string; host: string; change: Task["change"] };
}

async function pull({ ctx, driver }: StepRun, step: PullStep): Promise<void> {
  const r = await driver.pull(step.image);
  ctx.logger.info({ host: step.host, image: step.image, result: r }, "image ready");
}

async function create({ ctx, scope, driver, base }: StepRun, step: CreateStep): Promise<void> {
  const { task } = scope;
  const pullError = scope.pullFailed.get(step.host);
  if (pullError !== undefined) throw new ControllerError("image-pull-failed", pullError);
  const spec = specFor(ctx, step.service, step.specHash);
  const carried = ctx.restarts.restartsOf(step.service, step.slot);
  // A replacement for a failed replica (in place, or a move off the host it failed on) is a restart.
  // Bringing back what gitfleet stopped itself (rollout, move, fencing) is no restart of the replica.
  const restart =
    (task.change === "restart" || task.restart === true) && task.operatorCaused !== true && !scope.undo;
  const restarts = carried + (restart ? 1 : 0);
  const c = await driver.create({ service: spec, slot: step.slot, commit: ctx.commit, restarts });
  if (restart) {
    ctx.restarts.restarted({ service: task.service, slot: task.slot, containerId: c.id, inPlace: false });
  }
  const how = c.adopted ? "adopted existing" : "created";
  ctx.events({
    ...base,
    time: ctx.time.now(),
    kind: "created",
    container: c.name,
    specHash: step.specHash,
    message: `${how} ${c.name}: ${step.reason}`,
  });
}

async function start({ ctx, scope, driver, base }: StepRun, step: StartStep): Promise<void> {
  const { task } = scope;
  const ref = step.container.id ?? step.container.name;
  const r = await driver.start(ref);
  ctx.restarts.running?.(step.container);
  if (
    r === "started" &&
    task.change === "restart" &&
    task.operatorCaused !== true &&
    !scope.undo &&
    step.container.id !== undefined
  ) {
    ctx.restarts.restarted({
      service: task.service,
      slot: task.slot,
      containerId: step.container.id,
      inPlace: true,
    });
  }
  ctx.events({
    ...base,
    time: ctx.time.now(),
    kind: "started",
    container: step.container.name,
    message: `${step.container.name}: ${step.reason}`,
  });
}

async function healthy({ ctx, driver, base }: StepRun, step: WaitHealthyStep): Promise<void> {
  await waitHealthy(driver, step, {
    time: ctx.time,
    signal: ctx.signal,
    ...(ctx.pollMs !== undefined ? { pollMs: ctx.pollMs } : {}),
  });
  const what = step.hasHealthcheck ? "healthy" : "running";
  ctx.events({
    ...base,
    time: ctx.time.now(),
    kind: "healthy",
    container: step.container.name,
    message: `${step.container.name} is ${what}`,
  });
}

async function stop({ ctx, driver, base }: StepRun, step: StopStep): Promise<void> {
  const r = await driver.stop(step.container.id ?? step.container.name, step.graceMs);
  ctx.restarts.stopped?.(step.container);
  ctx.logger.info({ ...base, container: step.container.name, result: r }, step.reason);
}

async function remove({ ctx, driver, base }: StepRun, step: RemoveStep): Promise<void> {
  const r = await driver.remove(step.container.id ?? step.container.name);
  if (r !== "removed") return;
  ctx.events({
    ...base,
    time: ctx.time.now(),
    kind: "removed",
    container: step.container.name,
    message: `removed ${step.container.name}: ${step.reason}`,
  });
}

function specFor(ctx: ExecContext, service: string, specHash: string): ServiceSpec {
  const desired = ctx.desired.services.find((s) => s.name === service);
  const spec = desired?.specHash === specHash ? desired : ctx.specOf?.(service, specHash);
  if (spec === undefined) {
    throw new ControllerError(
      "spec-mismatch",
      `the plan wants ${service} at spec ${specHash.slice(0, 8)}, which is neither desired nor remembered`,
    );
  }
  return spec;
}
