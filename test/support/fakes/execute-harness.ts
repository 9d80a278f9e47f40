// Runs the real scheduler, planner and executor against a FakeFleet in fake
// time: observe → schedule → plan → execute, as one reconcile pass does.

import { pino } from "pino";
import { expect } from "vitest";
import { EventLog } from "../../../src/report/events.js";
import { executePlan } from "../../../src/execute/index.js";
import type { ExecContext, ExecutionResult } from "../../../src/execute/index.js";
import { RestartBook } from "../../../src/reconcile/memory/restarts.js";
import type { DesiredState, ServiceSpec } from "../../../src/model/spec.js";
import { plan } from "../../../src/plan/index.js";
import type { Plan, PlanOptions } from "../../../src/plan/index.js";
import { schedule } from "../../../src/schedule/index.js";
import { HOSTS, state } from "../web-service.js";
import { FakeFleet } from "./fake-fleet.js";
import { FakeTime } from "./fake-time.js";

export const silent = pino({ level: "silent" });

export interface Harness {
  readonly events: EventLog;
  readonly restarts: RestartBook;
  readonly abort: AbortController;
  ctx(desired: DesiredState): ExecContext;
  /** Observe the fleet and plan (inside fake time). */
  plan(desired: DesiredState, options?: PlanOptions): Promise<Plan>;
  /** One pass: observe, schedule, plan, execute. */
  pass(desired: DesiredState, options?: PlanOptions): Promise<{ plan: Plan; result: ExecutionResult }>;
}

export function harness(fleet: FakeFleet): Harness {
  const events = new EventLog(1000);
  const restarts = new RestartBook(() => fleet.time.now());
  const abort = new AbortController();
  const ctx = (desired: DesiredState): ExecContext => ({
    desired,
    commit: "c0ffee",
    driver: fleet.driver,
    time: fleet.time,
    signal: abort.signal,
    events: events.add,
    restarts,
    logger: silent,
    pollMs: 100,
  });
  const makePlan = async (desired: DesiredState, options: PlanOptions = {}): Promise<Plan> => {
    const observed = await fleet.time.run(fleet.observed());
    const replicas = restarts.apply(observed.replicas);
    const cluster = { hosts: observed.hosts, replicas };
    return plan(desired, schedule(desired, cluster), cluster, options);
  };
  return {
    events,
    restarts,
    abort,
    ctx,
    plan: makePlan,
    pass: async (desired, options) => {
      const p = await makePlan(desired, options);
      const result = await fleet.time.run(executePlan(ctx(desired), p));
      return { plan: p, result };
    },
  };
}

/** Calls fn every everyMs of fake time until stopped; for sampling state during a rollout. */
export function sampleEvery(fleet: FakeFleet, everyMs: number, fn: () => void): () => void {
  let stopped = false;
  const tick = (): void => {
    if (stopped) return;
    fn();
    fleet.time.after(everyMs, tick);
  };
  tick();
  return () => {
    stopped = true;
  };
}

/** A fresh fleet on the three hosts with `v1` deployed by one pass, every replica serving. */
export async function deployed(v1: ServiceSpec): Promise<{ fleet: FakeFleet; h: Harness }> {
  const fleet = new FakeFleet(new FakeTime(), HOSTS);
  const h = harness(fleet);
  await h.pass(state(v1));
  expect(fleet.serving(v1.name, v1.specHash)).toBe(v1.deploy.replicas);
  return { fleet, h };
}
