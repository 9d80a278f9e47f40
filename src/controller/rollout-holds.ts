// Memory of failed rollouts: a service whose rollout to a spec hash was paused
// or rolled back is held at that hash (PlanOptions.hold), so the next pass does
// not retry the same broken spec; a new commit that changes the spec clears
// it. In memory only: after an operator restart the spec is tried once more.

import type { DesiredState } from "../model/spec.js";
import type { ExecutionResult } from "./execute/index.js";

export interface Hold {
  readonly specHash: string;
  readonly phase: "paused" | "rolled-back";
  readonly reason: string;
  readonly since: number;
}

export class RolloutHolds {
  private readonly holds = new Map<string, Hold>();

  /** Record paused / rolled-back rollouts of this execution. */
  record(desired: DesiredState, result: ExecutionResult, now: number): void {
    const specs = new Map(desired.services.map((s) => [s.name, s.specHash]));
    for (const r of result.rollouts) {
      if (r.status !== "paused" && r.status !== "rolled-back") continue;
      const specHash = specs.get(r.rollout.service);
      if (specHash === undefined) continue;
      this.holds.set(r.rollout.service, { specHash, phase: r.status, reason: r.message, since: now });
    }
  }

  /** Drop holds whose service is gone or whose desired spec changed. */
  prune(desired: DesiredState): void {
    const specs = new Map(desired.services.map((s) => [s.name, s.specHash]));
    for (const [service, h] of [...this.holds])
      if (specs.get(service) !== h.specHash) this.holds.delete(service);
  }

  /** For PlanOptions.hold. */
  asPlanOption(): ReadonlyMap<string, string> {
    return new Map([...this.holds].map(([s, h]) => [s, h.specHash]));
  }

  get(service: string): Hold | undefined {
    return this.holds.get(service);
  }
}
