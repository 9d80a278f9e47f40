// The host heartbeat: its own timer, independent of passes, so a host that
// dies or freezes mid-rollout is noticed on time. Every interval each host
// gets a ping (never two in flight to one host; the driver bounds each ping
// with a short deadline); a change of state marks a pass as due. The pings of
// one interval are spread over it in slices, so a large fleet is not pinged
// in one burst (1,000 requests at once stall the event loop and time out
// pings of healthy hosts). When the cluster lock's renewal is due on a host,
// the beat is that renewal, sent under the ping's deadline (as Kubernetes'
// node lease is the kubelet's heartbeat): one request per host per beat, not
// a ping and a renewal.

import type { Logger } from "../ports/logger.js";
import type { Fleet } from "../observe/fleet.js";
import { beatThroughPromises, errorMessage, type BeatListener, type HostDriver } from "../ports/host.js";
import { logHealthChange, type HealthChange, type HostHealth } from "../observe/host-health.js";
import type { Time } from "../ports/time.js";
import type { LockLease } from "../model/lock.js";

/** The cluster lock's renewals as the beats carry them (ClusterLock: due, landed). */
export interface BeatRenewals {
  /** The renewal due on this host now, if any (the beat then carries it instead of a ping). */
  due(
    host: string,
    now: number,
    beatMs: number,
  ): { readonly id: string; readonly lease: LockLease } | undefined;
  /** What became of it: written, or not (the engine refused it, or did not answer). */
  landed(host: string, sentAt: number, ok: boolean): void;
}

export interface HeartbeatOptions {
  readonly fleet: Fleet;
  readonly health: HostHealth;
  readonly time: Time;
  readonly intervalMs: () => number;
  readonly onChange: (change: HealthChange) => void;
  readonly logger: Logger;
  /** The cluster lock, when its renewals ride on the beats. */
  readonly lock?: BeatRenewals;
}

/**
 * Pings often enough that a host is declared down within downAfterMs (+ one interval): a third
 * of it, between 0.2 s and 5 s (1 s at the default 3 s; 3.3 s at 10 s, where a fleet of 1,000
 * hosts then costs 300 pings a second instead of 1,000).
 */
export function heartbeatInterval(downAfterMs: number): number {
  return Math.max(200, Math.min(5000, Math.floor(downAfterMs / 3)));
}

/** The slices one interval's pings are spread over. */
const SLICES = 10;

/**
 * One host's beat in flight: what it carries, and its answer's handlers (made once per host, not
 * per beat); the host's driver with its beat methods as last read (read once per driver: the
 * bench's drivers are proxies, and three reads a beat were a tenth of its CPU).
 */
interface BeatState extends BeatListener {
  /**
   * A beat is out (never two at once to one host). A flag, not a set of names: a set that
   * grows by a slice's hosts and shrinks as they answer rehashed several times a second.
   */
  out: boolean;
  /** When the beat was sent, and whether it carries the lock's renewal (landed() is told then). */
  sentAt: number;
  renewing: boolean;
  driver: HostDriver | undefined;
  send: Pick<HostDriver, "ping" | "pingRenewing" | "beat">;
}

export class Heartbeat {
  private readonly beats = new Map<string, BeatState>();
  /** Hosts pinged at least once. */
  private readonly known = new Set<string>();
  /** The fleet's list of names last looked at whole (every host in it known since). */
  private scanned: readonly string[] | undefined;
  private readonly stopper = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(private readonly o: HeartbeatOptions) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    await this.loop;
  }

  /** One round: ping every host not already being pinged, then apply the clock. */
  tick(): void {
    this.slice(0, 1);
  }

  /** Ping the hosts of slice `n` of `of` (by their place in the fleet), then apply the clock to all. */
  private slice(n: number, of: number): void {
    const { fleet, health, time } = this.o;
    const names = fleet.names();
    const now = time.now();
    const beatMs = this.o.intervalMs();
    if (this.known.size > names.length) {
      const live = new Set(names);
      for (const k of [...this.known]) if (!live.has(k)) this.known.delete(k);
      for (const [k, b] of [...this.beats]) if (!live.has(k) && !b.out) this.beats.delete(k);
    }
    // A host new to the fleet is pinged at once, not when its slice comes round: all are looked
    // at when the fleet's list is not the one last looked at whole (it is kept until a host is
    // added or removed); otherwise only this slice's.
    const allKnown = names === this.scanned;
    if (!allKnown) this.scanned = names;
    for (let i = allKnown ? n : 0; i < names.length; i += allKnown ? of : 1) {
      const name = names[i] as string;
      if ((i % of !== n && this.known.has(name)) || this.beats.get(name)?.out === true) continue;
      const driver = fleet.driver(name);
      if (!this.known.has(name) && driver !== undefined) health.asking(name, now);
      this.known.add(name);
      if (driver === undefined) {
        this.report(health.fail(name, now, fleet.setupError(name) ?? "no Docker client"));
        continue;
      }
      this.beatOnce(name, driver, now, beatMs);
    }
    // The clock applied to the hosts it can change (failing, or on probation) of the fleet's.
    health.evaluateChanging(now, this.evaluated);
  }

  /** A change the clock made (evaluateChanging), reported when the host is still in the fleet. */
  private readonly evaluated = (change: HealthChange): void => {
    if (this.known.has(change.host)) this.report(change);
  };

  /**
   * One host's beat, its answer applied to the host's health. No async frame or closure per beat:
   * at 300 hosts there are 90 a second, and their garbage was most of an idle operator's.
   */
  private beatOnce(name: string, driver: HostDriver, now: number, beatMs: number): void {
    const b = this.beatState(name);
    b.out = true;
    if (b.driver !== driver) b.send = beatMethods((b.driver = driver));
    const { send } = b;
    b.sentAt = now;
    const renewal = send.pingRenewing !== undefined ? this.o.lock?.due(name, now, beatMs) : undefined;
    // The ping, or the lock's renewal when one is due here (a liveness probe all the same).
    b.renewing = renewal !== undefined;
    try {
      if (send.beat !== undefined) send.beat(renewal, b);
      else beatThroughPromises(send, renewal, b);
    } catch (err) {
      queueMicrotask(() => b.failed(err));
    }
  }

  private beatState(name: string): BeatState {
    let b = this.beats.get(name);
    if (b !== undefined) return b;
    const { health, time } = this.o;
    const state: BeatState = {
      out: false,
      sentAt: 0,
      renewing: false,
      driver: undefined,
      send: NO_DRIVER,
      answered: (written) => {
        try {
          if (state.renewing) this.o.lock?.landed(name, state.sentAt, written === true);
          this.report(health.ok(name, time.now()));
        } finally {
          state.out = false;
        }
      },
      failed: (err) => {
        try {
          if (state.renewing) this.o.lock?.landed(name, state.sentAt, false);
          this.report(health.fail(name, time.now(), errorMessage(err)));
        } finally {
          state.out = false;
        }
      },
    };
    b = state;
    this.beats.set(name, b);
    return b;
  }

  private async run(): Promise<void> {
    for (let n = 0; !this.stopper.signal.aborted; n = (n + 1) % SLICES) {
      this.slice(n, SLICES);
      await this.o.time.sleep(this.o.intervalMs() / SLICES, this.stopper.signal);
    }
  }

  private report(change: HealthChange | undefined): void {
    if (change === undefined) return;
    logHealthChange(this.o.logger, change);
    this.o.onChange(change);
  }
}

const NO_DRIVER: BeatState["send"] = { ping: () => Promise.reject(new Error("no Docker client")) };

/** The driver's beat methods, read once and bound to it. */
function beatMethods(d: HostDriver): BeatState["send"] {
  const { ping, pingRenewing, beat } = d;
  return {
    ping: ping.bind(d),
    ...(pingRenewing !== undefined ? { pingRenewing: pingRenewing.bind(d) } : {}),
    ...(beat !== undefined ? { beat: beat.bind(d) } : {}),
  };
}
