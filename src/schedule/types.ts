// What the scheduler decides: on which host every replica (service, slot) runs,
// which replicas must move and why, and what cannot be placed anywhere.
// Plain data; the planner turns it into steps and `explain` into text.

/** Why a host cannot take (another) replica of a service. One code per host: the first filter that failed. */
export type RejectCode =
  | "host-down" // state "down"
  | "host-unknown" // state "unknown": not (yet) heard from, no new work
  | "host-probation" // returning host still proving it is stable
  | "host-draining" // drain: true in the cluster spec
  | "host-not-in-cluster" // observed but not listed in cluster.yaml
  | "constraint" // a placement constraint does not hold
  | "insufficient-cpu"
  | "insufficient-memory"
  | "port-in-use" // a host-mode published port is already bound there
  | "max-replicas-per-node";

export interface Rejection {
  readonly code: RejectCode;
  /** For people: "insufficient memory", "constraint node.labels.zone == eu-2". */
  readonly detail: string;
  /** How many hosts were rejected for this reason. */
  readonly hosts: number;
}

export interface Unschedulable {
  readonly service: string;
  /** The slots that have no host, in slot order. */
  readonly slots: readonly string[];
  readonly hostsTotal: number;
  /** Hosts that could still take one more replica of this service (0 unless slots were capped otherwise). */
  readonly hostsAvailable: number;
  /** Sorted by count (descending), then detail. */
  readonly reasons: readonly Rejection[];
  /** "0/3 hosts available: 2 insufficient memory, 1 constraint node.labels.zone == eu-2" */
  readonly message: string;
}

/** Why a slot that had a replica is given a different host (or none). */
export type MoveCode = Exclude<RejectCode, "host-unknown" | "host-probation"> | "rebalance" | "oom-killed"; // its replica was OOM-killed there lately (ScheduleOptions.avoid)

export interface Move {
  readonly slot: string;
  readonly from: string;
  /** Absent when the slot could not be placed anywhere else (then it is also in `unschedulable`). */
  readonly to?: string;
  readonly code: MoveCode;
  /** "host h3 is draining", "rebalance: h1 has 3 replicas, h4 has 0". */
  readonly reason: string;
}

/**
 * A replica bound to a draining host with `move_data: true`: its volumes are
 * to be copied to `to` (stopped, copied, verified) before it moves there. Until
 * then the slot stays on `from` in `slots`.
 */
export interface DataMove {
  readonly service: string;
  readonly slot: string;
  readonly from: string;
  readonly to: string;
  /** The volume names the service mounts (sources, not Docker names), sorted. */
  readonly volumes: readonly string[];
}

export interface ServicePlacement {
  readonly service: string;
  readonly mode: "replicated" | "global";
  /** slot → host for every slot that has a host; iteration in slot order ("1","2",.. numerically; hosts by name). */
  readonly slots: ReadonlyMap<string, string>;
  /** Slots whose replica is placed on a different host than where it runs now (or evicted). Slot order. */
  readonly moves: readonly Move[];
  readonly unschedulable?: Unschedulable;
  /** Slots bound to their host by volumes: slot → that host (see volume-affinity.ts). */
  readonly bound?: ReadonlyMap<string, string>;
  /** What the scheduler would have done but did not, for bound slots ("constraint ... no longer holds ..."). */
  readonly notes?: readonly string[];
  readonly dataMoves?: readonly DataMove[];
}

export interface Placement {
  /** Every desired service, in the order of DesiredState.services (by name). */
  readonly services: ReadonlyMap<string, ServicePlacement>;
  /** The same Unschedulable objects as in services, by service name. */
  readonly unschedulable: readonly Unschedulable[];
  /** Every service's data moves, in service order. */
  readonly dataMoves?: readonly DataMove[];
}

export interface ScheduleOptions {
  /** Move replicas to restore even spread; defaults to desired.cluster.settings.rebalance. */
  readonly rebalance?: boolean;
  /** At most this many rebalancing moves per pass, over all services (default 5; at most 1 per service). */
  readonly rebalanceLimit?: number;
  /**
   * service → host → why (for the move's reason): hosts a service's stopped replicas
   * should leave, e.g. "OOM-killed on h1 at 16:40:02Z". Such a slot goes to another
   * feasible host when one has room, else stays; running replicas are never moved for it.
   */
  readonly avoid?: ReadonlyMap<string, ReadonlyMap<string, string>>;
}
