// What happened, for people: the controller's events feed status (recent
// events per service) and logs. Kept in memory, bounded per service; after a
// restart the history starts afresh (the hosts, not this log, are the truth).

import type { ChangeKind } from "../plan/types.js";

export type EventKind =
  | "created" // a new replica for a new slot
  | "started"
  | "healthy"
  | "updated" // a slot now runs the new spec
  | "moved" // a slot now runs on another host
  | "restarted" // a replica that exited, died or turned unhealthy runs again
  | "removed"
  | "failed" // a task outside a rolling update failed (retried by the next pass)
  | "update-failed" // a rolling task failed
  | "rolled-back"
  | "rollback-failed"
  | "paused"
  | "skipped" // a rollout not started because a dependency failed
  | "image-pull-failed"
  | "update-started" // a rollout with rolling batches begins
  | "update-completed"
  | "applied" // the cluster converged on a commit
  | "unschedulable"
  | "rejected" // a commit failed validation or signature checks
  | "host-down"
  | "host-up"
  | "moves-throttled" // flap protection deferred moves beyond the per-minute budget
  | "resumed-from-cache" // restarted while Git is unreachable: the cached desired commit is in effect
  | "host-removed" // a host left cluster.yaml: drained, then what gitfleet put there is removed
  | "host-cleaned" // a removed host no longer runs anything of this cluster
  | "data-move-started" // a bound replica stopped for its volumes to be copied (drain with move_data)
  | "data-moved" // its volumes were copied and verified on the target; the source is kept, superseded
  | "data-move-failed"; // the copy failed: the replica runs again on its source host

export interface ControllerEvent {
  /** ms since epoch */
  readonly time: number;
  readonly kind: EventKind;
  /** Empty for cluster-wide events (hosts, commits). */
  readonly service: string;
  readonly slot?: string;
  readonly host?: string;
  readonly container?: string;
  readonly specHash?: string;
  /** For step events: the kind of change of the task the step belongs to. */
  readonly change?: ChangeKind;
  readonly message: string;
}

export type EventSink = (event: ControllerEvent) => void;

export class EventLog {
  private readonly byService = new Map<string, ControllerEvent[]>();

  constructor(private readonly perService = 20) {}

  readonly add: EventSink = (event) => {
    let list = this.byService.get(event.service);
    if (list === undefined) this.byService.set(event.service, (list = []));
    list.push(event);
    if (list.length > this.perService) list.splice(0, list.length - this.perService);
  };

  /** Newest last. */
  of(service: string): readonly ControllerEvent[] {
    return this.byService.get(service) ?? [];
  }

  /** Every event kept, oldest first. */
  all(): ControllerEvent[] {
    return [...this.byService.values()].flat().sort((a, b) => a.time - b.time);
  }
}
