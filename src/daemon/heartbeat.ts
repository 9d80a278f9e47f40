// The host heartbeat: its own timer, independent of passes, so a host that
// dies or freezes mid-rollout is noticed on time. Every interval each host
// gets a ping (never two in flight to one host; the driver bounds each ping
// with a short deadline); a change of state marks a pass as due. The pings of
// one interval are spread over it in slices, so a large fleet is not pinged
// in one burst (1,000 requests at once stall the event loop and time out
// pings of healthy hosts).

import type { Logger } from "../ports/logger.js";
import type { Fleet } from "../observe/fleet.js";
import { errorMessage } from "../ports/host.js";
import { logHealthChange, type HealthChange, type HostHealth } from "../observe/host-health.js";
import type { Time } from "../ports/time.js";

export interface HeartbeatOptions {
  readonly fleet: Fleet;
  readonly health: HostHealth;
  readonly time: Time;
  readonly intervalMs: () => number;
  readonly onChange: (change: HealthChange) => void;
  readonly logger: Logger;
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

export class Heartbeat {
  private readonly inFlight = new Set<string>();
  /** Hosts pinged at least once. */
  private readonly known = new Set<string>();
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
    if (this.known.size > names.length) {
      const live = new Set(names);
      for (const k of [...this.known]) if (!live.has(k)) this.known.delete(k);
    }
    for (const [i, name] of names.entries()) {
      // A host new to the fleet is pinged at once, not when its slice comes round.
      if ((i % of !== n && this.known.has(name)) || this.inFlight.has(name)) continue;
      const driver = fleet.driver(name);
      if (!this.known.has(name) && driver !== undefined) health.asking(name, time.now());
      this.known.add(name);
      if (driver === undefined) {
        this.report(health.fail(name, time.now(), fleet.setupError(name) ?? "no Docker client"));
        continue;
      }
      this.inFlight.add(name);
      driver
        .ping()
        .then(
          () => this.report(health.ok(name, time.now())),
          (err: unknown) => this.report(health.fail(name, time.now(), errorMessage(err))),
        )
        .finally(() => this.inFlight.delete(name));
    }
    for (const name of names) this.report(health.evaluate(name, time.now()));
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
