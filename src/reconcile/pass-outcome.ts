// How a pass ended, and when the next one should run: at once after changes
// (to confirm convergence), at the end of a restart delay, or only on a
// trigger. A pass that did not fully succeed is retried by the loop's backoff.

import type { SourceSnapshot } from "../ports/index.js";
import type { LockVerdict } from "./cluster-lock.js";
import type { Plan } from "../plan/index.js";
import type { ExecutionResult } from "../execute/index.js";
import type { FleetObservation } from "../observe/observer.js";
import type { StatusInput } from "../status/index.js";
import type { PassReport } from "../report/pass-report.js";

export interface PassOutcome {
  /** Nothing failed: no failed rollout, no unreachable host, no Git or status error. */
  readonly ok: boolean;
  /** The hosts already matched the desired state (the plan was empty). */
  readonly converged: boolean;
  /** When another pass should run, in ms from now (0 = at once); undefined = only on a trigger. */
  readonly followUpMs?: number;
  readonly snapshot?: SourceSnapshot;
  readonly plan?: Plan;
  readonly result?: ExecutionResult;
  readonly error?: string;
  /** The pass did nothing: another operator holds the cluster lock. */
  readonly locked?: Exclude<LockVerdict, { held: true }>;
  /** Milliseconds each stage of the pass took (for metrics). */
  readonly stagesMs?: PassReport["stagesMs"];
  /** The status this pass reported (for metrics and notifications). */
  readonly status?: StatusInput;
  /** The pass did nothing on the hosts: this operator is a standby (another one leads). */
  readonly standby?: true;
}

export function passOutcome(
  now: number,
  f: {
    snapshot: SourceSnapshot;
    plan: Plan;
    result: ExecutionResult | undefined;
    observation: FleetObservation;
    written: boolean;
    wakeAt: number | undefined;
  },
): PassOutcome {
  const { result } = f;
  const failed = result?.rollouts.some((r) => r.status === "failed" || r.status === "skipped") ?? false;
  const ok = !failed && f.written && f.observation.errors.size === 0 && f.snapshot.outage === undefined;
  const base = {
    ok,
    converged: f.plan.rollouts.length === 0 && f.plan.held.length === 0,
    snapshot: f.snapshot,
    plan: f.plan,
    ...(result ? { result } : {}),
  };
  if (result?.cancelled === true) return base;
  // After changes, look again at once: confirm convergence (or continue after holds).
  if (result !== undefined && !failed) return { ...base, followUpMs: 0 };
  if (f.wakeAt !== undefined) return { ...base, followUpMs: Math.max(0, f.wakeAt - now) };
  return base;
}
