// Recent events, kept per service in a bounded ring (oldest dropped first),
// immutable so a pass can build the next log from the previous one.

export type StatusEventKind =
  | "created"
  | "removed"
  | "moved"
  | "replaced"
  | "restarted"
  | "update-started"
  | "update-completed"
  | "rolled-back"
  | "paused"
  | "unschedulable"
  | "image-pull-failed"
  | "failed"
  | "host-down"
  | "host-up"
  | "rejected"
  | "moves-throttled"
  | "applied"
  | "resumed-from-cache"
  | "host-removed"
  | "host-cleaned"
  | "data-moved"
  | "data-move-failed";

export interface StatusEvent {
  /** ms since epoch */
  readonly time: number;
  readonly kind: StatusEventKind;
  /** Absent for cluster-wide events (hosts, commits). */
  readonly service?: string;
  readonly slot?: string;
  readonly host?: string;
  readonly message: string;
}

export interface EventLog {
  readonly limit: number;
  /** Service name → its events, oldest first; "" holds cluster-wide events. */
  readonly rings: Readonly<Record<string, readonly StatusEvent[]>>;
}

export function emptyEventLog(limit = 20): EventLog {
  return { limit, rings: {} };
}

export function appendEvent(log: EventLog, event: StatusEvent): EventLog {
  const key = event.service ?? "";
  const ring = [...(log.rings[key] ?? []), event];
  return {
    limit: log.limit,
    rings: { ...log.rings, [key]: ring.slice(Math.max(0, ring.length - log.limit)) },
  };
}

export function appendEvents(log: EventLog, events: readonly StatusEvent[]): EventLog {
  return events.reduce(appendEvent, log);
}

/** A service's events, newest first. */
export function eventsOf(log: EventLog, service: string): StatusEvent[] {
  return [...(log.rings[service] ?? [])].reverse();
}

/** The newest `n` events across services and the cluster, newest first (stable for equal times). */
export function recentEvents(log: EventLog, n: number): StatusEvent[] {
  const all = Object.keys(log.rings)
    .sort()
    .flatMap((k) => (log.rings[k] ?? []).map((e, i) => ({ e, k, i })));
  all.sort((a, b) => b.e.time - a.e.time || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0) || b.i - a.i);
  return all.slice(0, n).map((x) => x.e);
}

/** Drop the rings of services that no longer exist (their status file is gone too). */
export function retainServices(log: EventLog, services: ReadonlySet<string>): EventLog {
  const rings: Record<string, readonly StatusEvent[]> = {};
  for (const [k, v] of Object.entries(log.rings)) if (k === "" || services.has(k)) rings[k] = v;
  return { limit: log.limit, rings };
}
