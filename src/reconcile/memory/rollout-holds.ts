// Memory of failed rollouts: a service whose rollout to a spec hash was paused
// or rolled back is held at that hash (PlanOptions.hold), so the next pass does
// not retry the same broken spec; a new commit that changes the spec clears
// it. Kept in memory and in the status the operator commits (state paused /
// rolled-back with the held spec_hash): a restarted operator restores them
// from the status branch (restore), so a restart is no reason to roll the
// broken spec out again. When that status cannot be read, it is tried once more.

import type { DesiredState } from "../../model/spec.js";
import type { HoldRecord } from "../../status/parse-holds.js";
import type { ExecutionResult } from "../../execute/index.js";

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

  /**
   * Seed holds read back from the last committed status. A hold this process
   * already knows wins (it is newer); the caller prunes stale ones after.
   * Returns the records taken.
   */
  restore(records: readonly HoldRecord[], now: number): HoldRecord[] {
    const taken: HoldRecord[] = [];
    for (const r of records) {
      if (this.holds.has(r.service)) continue;
      const reason = r.reason ?? "restored from status";
      this.holds.set(r.service, { specHash: r.specHash, phase: r.phase, reason, since: now });
      taken.push(r);
    }
    return taken;
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
