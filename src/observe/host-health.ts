// Host liveness from heartbeats (and from every successful observation):
// a host is "up" once it answers, "down" once it has not answered for
// hostDownAfterMs, "unknown" before it was ever heard from (for that long
// since it was first asked: a host pinged late, behind a 1,000-host startup,
// is not down for the wait before its first ping). A host that comes back after being down is on
// probation for hostStableAfterMs (no new work), and a failed ping during
// probation starts it over: the first line of flap protection.

import type { Logger } from "../ports/logger.js";
import type { HostState } from "../model/observed.js";

export interface HealthSettings {
  readonly downAfterMs: number;
  readonly stableAfterMs: number;
}

export interface HostHealthView {
  readonly state: HostState;
  readonly probation: boolean;
  /** Last successful answer, ms since epoch. */
  readonly lastSeen?: number;
  /** When the state last changed. */
  readonly since: number;
  /** Last failure's message, while not up. */
  readonly error?: string;
}

interface Entry {
  state: HostState;
  since: number;
  lastOk?: number;
  firstFail?: number;
  error?: string;
  probationUntil?: number;
  /** Aborted when the host is declared down; replaced when it answers again. */
  fence: AbortController;
}

export interface HealthChange {
  readonly host: string;
  readonly from: HostState;
  readonly to: HostState;
  readonly probationEnded?: boolean;
  readonly error?: string;
}

/**
 * One log line per state change, whichever noticed it (heartbeat or a pass's
 * observation). A host first heard from (unknown → up) is routine: debug, so
 * `gitfleet plan` stays quiet; anything involving down or probation is info.
 */
export function logHealthChange(logger: Logger, change: HealthChange): void {
  const what = change.probationEnded === true ? "probation over" : `${change.from} → ${change.to}`;
  const routine = change.from === "unknown" && change.to === "up";
  (routine ? logger.debug : logger.info).call(
    logger,
    { host: change.host, error: change.error },
    `host ${change.host}: ${what}`,
  );
}

export class HostHealth {
  private readonly hosts = new Map<string, Entry>();
  /**
   * The hosts the clock can change (evaluate): failing and not down, or on probation. The
   * heartbeat applies the clock several times a second; at 300 hosts nearly all are up and
   * answering, and looking at each was most of its rounds' own time.
   */
  private readonly changing = new Set<string>();

  constructor(
    private settings: HealthSettings,
    private readonly startedAt: number,
  ) {}

  configure(settings: HealthSettings): void {
    this.settings = settings;
  }

  /** Keep exactly these hosts (new ones start unknown, their silence counted from `now`). */
  retain(names: readonly string[], now: number = this.startedAt): void {
    const keep = new Set(names);
    for (const n of [...this.hosts.keys()])
      if (!keep.has(n)) {
        this.hosts.delete(n);
        this.changing.delete(n);
      }
    for (const n of names)
      if (!this.hosts.has(n))
        this.hosts.set(n, {
          state: "unknown",
          since: Math.max(now, this.startedAt),
          fence: new AbortController(),
        });
  }

  ok(host: string, now: number): HealthChange | undefined {
    const e = this.entry(host, now);
    e.lastOk = now;
    // Only when set (a host that answers every beat, 90 a second at 300 hosts, has neither).
    if (e.firstFail !== undefined) delete e.firstFail;
    if (e.error !== undefined) delete e.error;
    if (e.state === "up") {
      if (e.probationUntil === undefined) this.changing.delete(host);
      return undefined;
    }
    const from = e.state;
    if (from === "down") {
      e.probationUntil = now + this.settings.stableAfterMs;
      e.fence = new AbortController();
    }
    e.state = "up";
    e.since = now;
    this.watch(host, e);
    return { host, from, to: "up" };
  }

  fail(host: string, now: number, error: string): HealthChange | undefined {
    const e = this.entry(host, now);
    e.firstFail ??= now;
    e.error = error;
    // A failure during probation: it must prove itself for the whole period again.
    if (e.probationUntil !== undefined && now < e.probationUntil)
      e.probationUntil = now + this.settings.stableAfterMs;
    this.watch(host, e);
    return this.evaluate(host, now);
  }

  /**
   * The heartbeat asks this host for the first time (its Docker client is set up): a host never
   * heard from is silent from now on, not from before it could be asked.
   */
  asking(host: string, now: number): void {
    const e = this.entry(host, now);
    if (e.state === "unknown" && e.lastOk === undefined && e.firstFail === undefined)
      e.since = Math.max(e.since, now);
  }

  /**
   * evaluate() for every host it can change a state of (the others it leaves as they are), each
   * change told to `report`.
   */
  evaluateChanging(now: number, report: (change: HealthChange) => void): void {
    if (this.changing.size === 0) return;
    for (const host of [...this.changing]) {
      const change = this.evaluate(host, now);
      if (change !== undefined) report(change);
    }
  }

  /** Apply the clock: up → down after downAfterMs without an answer; ends probation. */
  evaluate(host: string, now: number): HealthChange | undefined {
    const change = this.apply(host, now);
    const e = this.hosts.get(host);
    if (e !== undefined) this.watch(host, e);
    return change;
  }

  /** Whether the clock can change this host (see `changing`), kept so. */
  private watch(host: string, e: Entry): void {
    if ((e.firstFail !== undefined && e.state !== "down") || e.probationUntil !== undefined)
      this.changing.add(host);
    else this.changing.delete(host);
  }

  private apply(host: string, now: number): HealthChange | undefined {
    const e = this.entry(host, now);
    // Never heard from: silent since it became known (its unknown state began then).
    const silentSince = e.lastOk ?? e.since;
    if (e.state !== "down" && e.firstFail !== undefined && now - silentSince >= this.settings.downAfterMs) {
      const from = e.state;
      e.state = "down";
      e.since = now;
      delete e.probationUntil;
      e.fence.abort();
      return { host, from, to: "down", ...(e.error !== undefined ? { error: e.error } : {}) };
    }
    if (e.state === "up" && e.probationUntil !== undefined && now >= e.probationUntil) {
      delete e.probationUntil;
      return { host, from: "up", to: "up", probationEnded: true };
    }
    return undefined;
  }

  /** The host's state alone (view() without building one). */
  state(host: string, now: number): HostState {
    return this.entry(host, now).state;
  }

  view(host: string, now: number): HostHealthView {
    const e = this.entry(host, now);
    return {
      state: e.state,
      probation: e.state === "up" && e.probationUntil !== undefined && now < e.probationUntil,
      since: e.since,
      ...(e.lastOk !== undefined ? { lastSeen: e.lastOk } : {}),
      ...(e.error !== undefined && e.state !== "up" ? { error: e.error } : {}),
    };
  }

  /**
   * Aborted once the host is declared down (already aborted while it is down): calls to the host
   * race it, so a frozen host cannot hold a pass until its Docker calls time out.
   */
  downSignal(host: string, now: number): AbortSignal {
    return this.entry(host, now).fence.signal;
  }

  names(): string[] {
    return [...this.hosts.keys()];
  }

  private entry(host: string, now: number): Entry {
    let e = this.hosts.get(host);
    if (e === undefined)
      this.hosts.set(
        host,
        (e = { state: "unknown", since: Math.min(now, this.startedAt), fence: new AbortController() }),
      );
    return e;
  }
}
