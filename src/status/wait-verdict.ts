// `gitfleet wait <commit>`: what the status branch says about one commit.
// Done and good when that commit is the desired one and the cluster has
// converged on it (status names it applied_commit: every service updated,
// healthy and at its desired count); done and bad when it was rejected, or
// when a service's rollout under it was rolled back or paused (a rollback is
// never a success); otherwise still pending, with what it waits on.

import { sameCommit, type ServiceView, type StatusView } from "./readback.js";

export type WaitOutcome = "applied" | "rejected" | "rolled-back" | "paused" | "pending";

export interface WaitVerdict {
  readonly done: boolean;
  readonly outcome: WaitOutcome;
  /** One line for people: why it is done, or what it waits on. */
  readonly reason: string;
  /** The services that decided a rolled-back or paused verdict, or that are still progressing. */
  readonly services: readonly string[];
}

const HELD = new Set(["rolled-back", "paused"]);

export function waitVerdict(commit: string, view: StatusView | undefined): WaitVerdict {
  if (view === undefined) return pending("no status yet: the operator has not written status/cluster.yaml");
  const short = commit.slice(0, 12);
  if (view.rejected !== undefined && sameCommit(view.rejected.commit, commit)) {
    const first = view.rejected.errors[0];
    const more = view.rejected.errors.length > 1 ? ` (+${view.rejected.errors.length - 1} more)` : "";
    return {
      done: true,
      outcome: "rejected",
      reason: `${short} was rejected (${view.rejected.reason})${first !== undefined ? `: ${first}${more}` : ""}`,
      services: [],
    };
  }
  if (view.desired === undefined || !sameCommit(view.desired.commit, commit)) {
    if (view.waiting !== undefined && sameCommit(view.waiting.commit, commit))
      return pending(`${short} waits: ${view.waiting.reason}`);
    const now = view.desired !== undefined ? ` (status names ${view.desired.commit.slice(0, 12)})` : "";
    return pending(`${short} is not the operator's desired commit yet${now}`);
  }
  const held = view.services.filter((s) => HELD.has(s.state));
  if (held.length > 0) {
    const outcome = held.some((s) => s.state === "rolled-back") ? "rolled-back" : "paused";
    return {
      done: true,
      outcome,
      reason: `${short}: ${held.map(heldReason).join("; ")}`,
      services: held.map((s) => s.name),
    };
  }
  if (view.applied !== undefined && sameCommit(view.applied, commit)) {
    return { done: true, outcome: "applied", reason: `${short} is applied and healthy`, services: [] };
  }
  const busy = view.services.filter((s) => s.state !== "converged");
  const what = busy.map((s) => `${s.name} ${s.state} ${s.updated}/${s.desired} updated`).join(", ");
  return {
    ...pending(`${short} is being applied${what !== "" ? `: ${what}` : ""} (sync ${view.sync ?? "unknown"})`),
    services: busy.map((s) => s.name),
  };
}

function heldReason(s: ServiceView): string {
  const event = s.events.find((e) => e.kind === s.state);
  return `${s.name} ${s.state}${event !== undefined ? ` (${event.message})` : ""}`;
}

function pending(reason: string): WaitVerdict {
  return { done: false, outcome: "pending", reason, services: [] };
}
