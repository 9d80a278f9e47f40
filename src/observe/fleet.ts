// The Docker hosts the cluster spec names, as drivers. The set follows the
// desired state: hosts added in Git get a driver, removed ones are closed, a
// changed endpoint gets a new one. Every driver's event stream only marks a
// pass as due.

import type { Logger } from "../ports/logger.js";
import type { ClusterSpec, HostSpec } from "../model/spec.js";
import { errorMessage, type DriverEvent, type HostDriver } from "../ports/host.js";

export type DriverFactory = (host: HostSpec, cluster: ClusterSpec) => Promise<HostDriver>;

interface Slot {
  readonly key: string;
  readonly driver?: HostDriver;
  readonly unwatch?: () => void;
  readonly error?: string;
}

export class Fleet {
  private readonly slots = new Map<string, Slot>();
  /** names(), kept until a host is added or removed (the heartbeat asks many times a second). */
  private sorted: readonly string[] | undefined;

  constructor(
    private readonly factory: DriverFactory,
    private readonly onEvent: (host: string, e: DriverEvent) => void,
    private readonly logger: Logger,
    private readonly options: { readonly watch?: boolean } = {},
  ) {}

  /** Make the drivers match the cluster spec. A driver that cannot be built leaves the host unreachable. */
  async sync(cluster: ClusterSpec): Promise<void> {
    const wanted = new Map(cluster.hosts.map((h) => [h.name, h]));
    for (const [name, slot] of this.slots) {
      const spec = wanted.get(name);
      if (spec === undefined || identity(spec, cluster) !== slot.key) this.drop(name, slot);
    }
    await Promise.all(
      [...wanted.values()]
        .filter((h) => !this.slots.has(h.name) || this.slots.get(h.name)?.driver === undefined)
        .map(async (h) => {
          const key = identity(h, cluster);
          try {
            const driver = await this.factory(h, cluster);
            if (this.options.watch === false) {
              this.slots.set(h.name, { key, driver });
              this.sorted = undefined;
            } else {
              const unwatch = driver.watch((e) => this.onEvent(h.name, e));
              this.slots.set(h.name, { key, driver, unwatch });
              this.sorted = undefined;
            }
          } catch (err) {
            this.logger.error({ host: h.name, err: errorMessage(err) }, "cannot set up the Docker client");
            this.slots.set(h.name, { key, error: errorMessage(err) });
            this.sorted = undefined;
          }
        }),
    );
  }

  driver(name: string): HostDriver | undefined {
    return this.slots.get(name)?.driver;
  }

  /** Why a host has no driver, if it has none. */
  setupError(name: string): string | undefined {
    return this.slots.get(name)?.error;
  }

  names(): readonly string[] {
    this.sorted ??= [...this.slots.keys()].sort();
    return this.sorted;
  }

  close(): void {
    for (const [name, slot] of this.slots) this.drop(name, slot);
  }

  private drop(name: string, slot: Slot): void {
    slot.unwatch?.();
    slot.driver?.close();
    this.slots.delete(name);
    this.sorted = undefined;
  }
}

/** What, when it changes, needs a new client. */
function identity(h: HostSpec, cluster: ClusterSpec): string {
  // Volume drivers and options go into the volumes a driver creates: a change makes a new driver.
  const volumes = Object.entries(cluster.volumes ?? {}).map(([k, d]) => [k, d.driver, d.driverOpts]);
  return JSON.stringify([cluster.name, h.docker, h.tls ?? "", h.address, cluster.policy, volumes]);
}
