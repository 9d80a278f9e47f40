// The last pass's decision, kept so that the next one schedules and plans
// only what changed (scheduleIncremental, planIncremental). A pass where much
// changed, or hosts did, is a full one; the result is the same as a full
// schedule and plan (property-tested), so losing this memory costs only time.

import type { ObservedCluster } from "../../model/observed.js";
import type { DesiredState } from "../../model/spec.js";
import { planIncremental, type Plan, type PlanMemo, type PlanOptions } from "../../plan/index.js";
import {
  scheduleIncremental,
  type Placement,
  type ScheduleOptions,
  type ScheduleState,
} from "../../schedule/index.js";

export class DecisionMemo {
  private scheduled: ScheduleState | undefined;
  private planned: PlanMemo | undefined;

  schedule(desired: DesiredState, observed: ObservedCluster, options: ScheduleOptions): Placement {
    this.scheduled = scheduleIncremental(this.scheduled, desired, observed, options);
    return this.scheduled.placement;
  }

  plan(desired: DesiredState, placement: Placement, observed: ObservedCluster, options: PlanOptions): Plan {
    const out = planIncremental(this.planned, desired, placement, observed, options);
    this.planned = out.memo;
    return out.plan;
  }
}
