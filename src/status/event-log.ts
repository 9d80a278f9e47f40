// Recent events, kept per service in a bounded ring, immutable so a pass can
// build the next log from the previous one. The ring keeps the most telling
// events rather than the latest repeats: an event that repeats an earlier one
// (same kind, replica, host and message but for its numbers: a pull retried, a
// crash loop) replaces it and counts the repeats, and when the ring is full
// the oldest routine event (created, removed, restarted, ...) goes before any
// failure, pause, rollback or host event.

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
  /** How many times it happened in a row (absent: once). */
  readonly count?: number;
}

/** Kinds that only say the fleet did its job: the first to go when a ring is full. */
const ROUTINE: ReadonlySet<StatusEventKind> = new Set([
  "created",
  "removed",
  "moved",
  "replaced",
  "restarted",
  "update-started",
  "update-completed",
  "applied",
]);

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
  let ring = [...(log.rings[key] ?? [])];
  const shape = shapeOf(event);
  const same = ring.findIndex((e) => shapeOf(e) === shape);
  if (same >= 0) {
    const count = (ring[same]?.count ?? 1) + (event.count ?? 1);
    ring.splice(same, 1);
    ring.push({ ...event, count });
  } else ring.push(event);
  while (ring.length > log.limit) {
    const routine = ring.findIndex((e) => ROUTINE.has(e.kind));
    ring = ring.filter((_, i) => i !== (routine >= 0 ? routine : 0));
  }
  return { limit: log.limit, rings: { ...log.rings, [key]: ring } };
}

/** Each kept event's shape, worked out once: every append compares the new one with a whole ring. */
const shapes = new WeakMap<StatusEvent, string>();

/** What makes two events repeats of each other: all but the numbers (times, attempts, ids). */
function shapeOf(e: StatusEvent): string {
  const known = shapes.get(e);
  if (known !== undefined) return known;
  const message = e.message.replace(/[0-9a-f]{12,}/g, "#").replace(/\d+/g, "#");
  const shape = [e.kind, e.slot ?? "", e.host ?? "", message].join("\u0000");
  shapes.set(e, shape);
  return shape;
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
