// Several FakeHosts sharing fake time, image behaviours and one log of
// operations, with views across hosts for assertions ("how many replicas of
// web serve right now").

import type { HostDriver } from "../../../src/ports/host.js";
import type { ObservedReplica } from "../../../src/model/observed.js";
import { FakeHost, type FakeContainer, type ImageBehaviour, type Op } from "./fake-host.js";
import type { FakeTime } from "./fake-time.js";

export class FakeFleet {
  readonly behaviours = new Map<string, ImageBehaviour>();
  readonly ops: Op[] = [];
  readonly hosts = new Map<string, FakeHost>();

  constructor(
    readonly time: FakeTime,
    names: readonly string[],
    opMs = 100,
  ) {
    for (const n of names) this.hosts.set(n, new FakeHost(n, time, this.behaviours, this.ops, opMs));
  }

  host(name: string): FakeHost {
    const h = this.hosts.get(name);
    if (h === undefined) throw new Error(`no host ${name}`);
    return h;
  }

  readonly driver = (name: string): HostDriver | undefined => this.hosts.get(name);

  containers(service?: string): FakeContainer[] {
    const all = [...this.hosts.values()].flatMap((h) => [...h.containers.values()]);
    return service === undefined ? all : all.filter((c) => c.service === service);
  }

  /** The host a container is on ("" when none has it). */
  hostOf(id: string): string {
    return [...this.hosts.values()].find((h) => h.containers.has(id))?.name ?? "";
  }

  /** Replicas of a service that serve now: running, and healthy when they have a healthcheck. */
  serving(service: string, specHash?: string): number {
    return this.containers(service).filter(
      (c) =>
        c.state === "running" &&
        (!c.hasHealthcheck || c.health === "healthy") &&
        (specHash === undefined || c.specHash === specHash),
    ).length;
  }

  async observed(): Promise<{ hosts: ReturnType<typeof hostView>[]; replicas: ObservedReplica[] }> {
    const hosts = [...this.hosts.values()].map((h) => hostView(h));
    const replicas = (await Promise.all([...this.hosts.values()].map((h) => h.observe()))).flat();
    return { hosts, replicas };
  }
}

function hostView(h: FakeHost) {
  return {
    name: h.name,
    state: h.down ? ("down" as const) : ("up" as const),
    capacity: { nanoCpus: 4e9, memoryBytes: 8 * 2 ** 30 },
    images: [...h.images].sort(),
  };
}
