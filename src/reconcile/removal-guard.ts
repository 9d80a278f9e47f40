// The reconciler's side of guarded deletions: a desired commit that would
// remove too much of what runs is held as Rejected, and the pass goes on with
// the last commit this process let through (applied whole, as any rejection
// leaves the previous commit running). With none in memory (just started),
// the pass changes nothing on the hosts until a commit passes the guard.

import type { ObservedReplica } from "../model/observed.js";
import type { SourceSnapshot } from "../ports/index.js";
import type { DesiredState } from "../model/spec.js";
import { deletionGuard } from "../plan/deletion-guard.js";

type DesiredCommit = NonNullable<SourceSnapshot["desired"]>;

export type GuardOutcome =
  /** The commit passes: plan it. */
  | { readonly kind: "pass" }
  /** Held: plan `desired` (the last commit let through) and report `snapshot` (with the rejection). */
  | { readonly kind: "previous"; readonly snapshot: SourceSnapshot; readonly desired: DesiredState }
  /** Held, and no earlier commit to fall back on: report `snapshot`, change nothing. */
  | { readonly kind: "hold"; readonly snapshot: SourceSnapshot };

export class RemovalGuard {
  private allowed: DesiredCommit | undefined;

  check(snapshot: SourceSnapshot, running: readonly ObservedReplica[]): GuardOutcome {
    const d = snapshot.desired;
    if (d === undefined) return { kind: "pass" };
    const verdict = deletionGuard({ desired: d.state, running, commitMessage: d.message });
    if (verdict.ok) {
      this.allowed = d;
      return { kind: "pass" };
    }
    const { state: _s, files: _f, warnings: _w, ...info } = d;
    const error = { path: "cluster.yaml", line: 1, col: 1, code: "mass-removal", message: verdict.message };
    const rejected = { ...info, reason: "mass-removal" as const, errors: [error] };
    const previous = this.allowed;
    if (previous === undefined || previous.commit === d.commit) {
      return { kind: "hold", snapshot: { ...snapshot, rejected } };
    }
    return {
      kind: "previous",
      snapshot: { ...snapshot, desired: previous, rejected },
      desired: previous.state,
    };
  }
}
