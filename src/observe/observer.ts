// Observing the fleet for one pass: every host in parallel, each under its own
// deadline, so a hung host costs one timeout and never blocks the others. A
// host that does not answer keeps the replicas last seen there (marked by its
// state, "unknown" or "down"): the scheduler then keeps their slots (unknown)
// or moves them (down), and the planner plans nothing on it.

import type { Logger } from "../ports/logger.js";
import type { ObservedCluster, ObservedHost, ObservedReplica, ObservedVolume } from "../model/observed.js";
import type { ClusterSpec, ServiceSpec } from "../model/spec.js";
import type { Fleet } from "./fleet.js";
import { raceDown } from "./fenced-driver.js";
import { ControllerError, errorMessage, type HostFacts } from "../ports/host.js";
import { logHealthChange, type HealthChange, type HostHealth } from "./host-health.js";
import type { Time } from "../ports/time.js";
import { CreatedVolumes } from "./created-volumes.js";

export interface FleetObservation {
  readonly cluster: ObservedCluster;
  /** Hosts read in this pass; the others' replicas are as last seen. */
  readonly fresh: ReadonlySet<string>;
  readonly errors: ReadonlyMap<string, string>;
}

export interface ObserverOptions {
  readonly fleet: Fleet;
  readonly health: HostHealth;
  readonly time: Time;
  readonly timeoutMs: number;
  readonly onHealthChange: (c: HealthChange) => void;
  readonly logger: Logger;
}

export class Observer {
  private readonly replicas = new Map<string, readonly ObservedReplica[]>();
  private readonly facts = new Map<string, HostFacts>();
  /** Volumes as last seen per host: a host that stops answering still holds them (and binds slots). */
  private readonly volumes = new Map<string, readonly ObservedVolume[]>();
  /** Volumes our creates made that no listing has shown yet: they bind their slot all the same. */
  private readonly created = new CreatedVolumes();

  constructor(private readonly o: ObserverOptions) {}

  async observe(cluster: ClusterSpec): Promise<FleetObservation> {
    const deadline = new SharedDeadline(this.o.time, this.o.timeoutMs);
    try {
      return await this.observeBy(cluster, deadline);
    } finally {
      deadline.cancel();
    }
  }

  private async observeBy(cluster: ClusterSpec, deadline: SharedDeadline): Promise<FleetObservation> {
    const fresh = new Set<string>();
    const errors = new Map<string, string>();
    const hosts = await Promise.all(
      cluster.hosts.map(async (spec): Promise<ObservedHost> => {
        const name = spec.name;
        const { health, time } = this.o;
        if (health.view(name, time.now()).state !== "down") {
          try {
            await this.read(name, deadline);
            fresh.add(name);
            this.report(health.ok(name, time.now()));
          } catch (err) {
            errors.set(name, errorMessage(err));
            this.o.logger.warn({ host: name, err: errorMessage(err) }, "host not observed");
            this.report(health.fail(name, time.now(), errorMessage(err)));
          }
        }
        const view = health.view(name, time.now());
        const facts = this.facts.get(name);
        const state = view.state === "up" && !fresh.has(name) ? "unknown" : view.state;
        return {
          name,
          state,
          capacity: facts?.capacity ?? { nanoCpus: 0, memoryBytes: 0 },
          ...(view.probation ? { probation: true } : {}),
          ...(facts !== undefined && fresh.has(name) ? { images: facts.images } : {}),
          // Last known even when the host did not answer this pass: a squatter does not leave by itself.
          ...(facts?.foreignPorts !== undefined ? { foreignPorts: facts.foreignPorts } : {}),
        };
      }),
    );
    const names = new Set(cluster.hosts.map((h) => h.name));
    for (const n of [...this.replicas.keys()]) if (!names.has(n)) this.replicas.delete(n);
    for (const n of [...this.volumes.keys()]) if (!names.has(n)) this.volumes.delete(n);
    this.created.retain(names);
    const replicas = cluster.hosts.flatMap((h) => this.replicas.get(h.name) ?? []);
    const volumes = cluster.hosts.flatMap((h) => this.created.merge(h.name, this.volumes.get(h.name) ?? []));
    // Never read since this process started (a driver without volumes has none to know).
    const volumesUnknown = cluster.hosts
      .map((h) => h.name)
      .filter((n) => !this.volumes.has(n) && this.o.fleet.driver(n)?.volumes !== undefined);
    return { cluster: { hosts, replicas, volumes, volumesUnknown }, fresh, errors };
  }

  private async read(name: string, deadline: SharedDeadline): Promise<void> {
    const driver = this.o.fleet.driver(name);
    if (driver === undefined) {
      throw new ControllerError("host-unreachable", this.o.fleet.setupError(name) ?? "no Docker client");
    }
    // Raced with the host's down signal: a host declared down meanwhile costs this pass nothing more.
    const down = this.o.health.downSignal(name, this.o.time.now());
    const mark = this.created.mark();
    const [facts, replicas, volumes] = await deadline.race(
      raceDown(Promise.all([driver.facts(), driver.observe(), driver.volumes?.list()]), down, name),
      name,
    );
    this.facts.set(name, facts);
    this.replicas.set(name, replicas);
    if (volumes !== undefined) {
      this.volumes.set(name, volumes);
      this.created.seen(name, mark);
    }
  }

  /**
   * A replica of service is about to be created on host (cluster named
   * cluster): until a listing of the host shows the truth, its named volumes
   * are taken to be there. Returns what to call once the create has settled.
   */
  creating(cluster: string, host: string, service: ServiceSpec, slot: string): () => void {
    if (this.o.fleet.driver(host)?.volumes === undefined) return () => undefined;
    return this.created.creating({ cluster, host, service, slot, at: this.o.time.now() });
  }

  private report(change: HealthChange | undefined): void {
    if (change === undefined) return;
    logHealthChange(this.o.logger, change);
    this.o.onHealthChange(change);
  }
}

/**
 * One deadline for the reads of a look at every host, which all start at once: the same time
 * limit for each as a deadline of its own, without a timer and a controller per host (300 of
 * each in every pass at 300 hosts).
 */
class SharedDeadline {
  private readonly stop = new AbortController();
  /** True once the time is up; false when cancelled before. */
  private readonly expired: Promise<boolean>;

  constructor(
    time: Time,
    private readonly ms: number,
  ) {
    this.expired = time.sleep(ms, this.stop.signal).then(
      () => !this.stop.signal.aborted,
      () => false,
    );
  }

  /** `p`, or `host-unreachable` for `host` once the time is up. */
  race<T>(p: Promise<T>, host: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      p.then(resolve, reject);
      void this.expired.then((up) => {
        if (up)
          reject(new ControllerError("host-unreachable", `${host} did not answer within ${this.ms} ms`));
      });
    });
  }

  /** Every race has settled: the timer goes. */
  cancel(): void {
    this.stop.abort(SETTLED);
  }
}

/**
 * `p`, or an error after `ms` by the injected clock: `host-unreachable` with `message`, or the
 * error `error` makes. The one deadline of the effects side (observe, edge step, data moves).
 */
export async function withTimeout<T>(
  p: Promise<T>,
  ms: number,
  time: Time,
  error: string | (() => Error),
): Promise<T> {
  const stop = new AbortController();
  const timeout = time.sleep(ms, stop.signal).then(() => {
    if (!stop.signal.aborted)
      throw typeof error === "string" ? new ControllerError("host-unreachable", error) : error();
    return undefined as never;
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    stop.abort(SETTLED);
  }
}

/** Cancels a deadline's timer: a reason of our own, so no DOMException (and its stack) is built per call. */
const SETTLED = new Error("settled");
