// Liveness and readiness, judged from the operator's vitals (pure). Live: the
// process loop turns: it has started, is not stopping, and no pass has been
// stuck for twice its deadline (an orchestrator should restart the process
// then). Ready: a pass has finished, the last one within its deadline, none is
// overrunning it now, and Git answered within the staleness bound.

import type { HealthConfig } from "../config/index.js";

export interface OperatorVitals {
  /** The loop runs (started, not stopping). */
  readonly looping: boolean;
  /** When the pass in flight started (ms since epoch), if one is. */
  readonly passSince?: number;
  /** The last finished pass: when it ended and how long it took. */
  readonly lastPass?: { readonly endedAt: number; readonly ms: number };
  /** Since when Git has not answered (absent: it answered the last poll). */
  readonly gitDownSince?: number;
}

export interface ProbeResult {
  readonly ok: boolean;
  /** Why not (or what is fine), one line for the probe's body. */
  readonly reason: string;
}

export function liveness(v: OperatorVitals, now: number, bounds: HealthConfig): ProbeResult {
  if (!v.looping) return { ok: false, reason: "the reconcile loop is not running" };
  if (v.passSince !== undefined && now - v.passSince > 2 * bounds.passDeadlineMs)
    return { ok: false, reason: `a pass has run for ${secs(now - v.passSince)}: the loop is stuck` };
  return { ok: true, reason: "the reconcile loop turns" };
}

export function readiness(v: OperatorVitals, now: number, bounds: HealthConfig): ProbeResult {
  const live = liveness(v, now, bounds);
  if (!live.ok) return live;
  if (v.lastPass === undefined) return { ok: false, reason: "no pass has finished yet" };
  if (v.lastPass.ms > bounds.passDeadlineMs)
    return { ok: false, reason: `the last pass took ${secs(v.lastPass.ms)}, over its deadline` };
  if (v.passSince !== undefined && now - v.passSince > bounds.passDeadlineMs)
    return { ok: false, reason: `a pass has run for ${secs(now - v.passSince)}, over its deadline` };
  if (v.gitDownSince !== undefined && now - v.gitDownSince > bounds.gitStaleAfterMs)
    return { ok: false, reason: `Git has not answered for ${secs(now - v.gitDownSince)}` };
  return { ok: true, reason: "the last pass finished in time and Git answers" };
}

function secs(ms: number): string {
  return `${Math.round(ms / 1000)}s`;
}
