// What happened, as events: every controller event is logged, and those that
// matter to people are kept (bounded per service) for the status branch.
// Also turns changes seen between passes into events: a rejected commit, a
// commit applied, a service that cannot be scheduled, a host down or back.

import type { Logger } from "../ports/logger.js";
import type { SourceSnapshot } from "../ports/index.js";
import type { Placement } from "../schedule/types.js";
import { specPlace } from "../spec/errors.js";
import { appendEvent, emptyEventLog, retainServices, type EventLog } from "../status/index.js";
import type { ControllerEvent } from "./events.js";
import type { HealthChange } from "../observe/host-health.js";
import { toStatusEvent } from "./status-events.js";

export class Journal {
  private log: EventLog = emptyEventLog(20);
  private lastRejected: string | undefined;
  private lastApplied: string | undefined;
  private lastFromCache: string | undefined;
  private lastUnschedulable = new Map<string, string>();

  constructor(
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {}

  /** The events kept for status. */
  get events(): EventLog {
    return this.log;
  }

  readonly record = (e: ControllerEvent): void => {
    const { time: _t, message, ...fields } = e;
    this.logger.info(fields, message);
    const se = toStatusEvent(e);
    if (se !== undefined) this.log = appendEvent(this.log, se);
  };

  /** Services gone from the desired state take their events with them (their status file goes too). */
  retain(services: ReadonlySet<string>): void {
    this.log = retainServices(this.log, services);
  }

  health(c: HealthChange): void {
    if (c.from === c.to) return;
    const base = { time: this.now(), service: "", host: c.host };
    if (c.to === "down") {
      this.record({
        ...base,
        kind: "host-down",
        message: `host ${c.host} is down: ${c.error ?? "no answer"}`,
      });
    } else if (c.to === "up" && c.from === "down") {
      this.record({ ...base, kind: "host-up", message: `host ${c.host} answers again` });
    }
  }

  /** Once per resume: the desired state in effect came from the cache, not from Git. */
  fromCache(snapshot: SourceSnapshot): void {
    const commit = snapshot.fromCache === true ? snapshot.desired?.commit : undefined;
    if (commit === undefined || commit === this.lastFromCache) return;
    this.lastFromCache = commit;
    const since = snapshot.outage ? new Date(snapshot.outage.since).toISOString() : "start";
    this.record({
      time: this.now(),
      kind: "resumed-from-cache",
      service: "",
      message:
        `Git unreachable since ${since}: resumed commit ${commit.slice(0, 7)} from the operator's cache ` +
        "(healing and failover go on; the desired state may be stale)",
    });
  }

  rejected(snapshot: SourceSnapshot): void {
    const r = snapshot.rejected;
    if (r === undefined || r.commit === this.lastRejected) return;
    this.lastRejected = r.commit;
    const first = r.errors[0];
    const detail = first ? `: ${specPlace(first)}: ${first.message}` : "";
    const message = `commit ${r.commit.slice(0, 7)} rejected (${r.reason}, ${r.errors.length} error(s))${detail}`;
    this.record({ time: this.now(), kind: "rejected", service: "", message });
  }

  applied(snapshot: SourceSnapshot, converged: boolean): void {
    const commit = snapshot.desired?.commit;
    if (!converged || commit === undefined || commit === this.lastApplied) return;
    this.lastApplied = commit;
    this.record({
      time: this.now(),
      kind: "applied",
      service: "",
      message: `converged on ${commit.slice(0, 7)}`,
    });
  }

  unschedulable(placement: Placement): void {
    const current = new Map(placement.unschedulable.map((u) => [u.service, u.message]));
    for (const [service, message] of current) {
      if (this.lastUnschedulable.get(service) !== message) {
        this.record({ time: this.now(), kind: "unschedulable", service, message });
      }
    }
    this.lastUnschedulable = current;
  }
}
