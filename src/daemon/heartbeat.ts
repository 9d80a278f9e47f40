// The host heartbeat: its own timer, independent of passes, so a host that
// dies or freezes mid-rollout is noticed on time. Every interval each host
// gets a ping (never two in flight to one host; the driver bounds each ping
// with a short deadline); a change of state marks a pass as due.

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

/** Pings often enough that a host is declared down within downAfterMs (+ one interval). */
export function heartbeatInterval(downAfterMs: number): number {
  return Math.max(200, Math.min(1000, Math.floor(downAfterMs / 3)));
}

export class Heartbeat {
  private readonly inFlight = new Set<string>();
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
    const { fleet, health, time } = this.o;
    for (const name of fleet.names()) {
      if (this.inFlight.has(name)) continue;
      const driver = fleet.driver(name);
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
    for (const name of fleet.names()) this.report(health.evaluate(name, time.now()));
  }

  private async run(): Promise<void> {
    while (!this.stopper.signal.aborted) {
      this.tick();
      await this.o.time.sleep(this.o.intervalMs(), this.stopper.signal);
    }
  }

  private report(change: HealthChange | undefined): void {
    if (change === undefined) return;
    logHealthChange(this.o.logger, change);
    this.o.onChange(change);
  }
}
