// What is already committed on each host: reserved CPU and memory, replica
// counts and host-mode published ports. Typed arrays indexed by host, so a copy
// for an incremental pass costs O(hosts), and ports are copied on write.

import type { ServiceSpec } from "../model/spec.js";
import type { HostInfo } from "./hosts.js";
import type { RejectCode } from "./types.js";

const FOREIGN = "\u0000foreign:";

/** How a port held by a container gitfleet does not manage is owned in Usage (never a service name). */
export function foreignOwner(container: string): string {
  return FOREIGN + container;
}

/** The container name when the owner is foreign, else undefined. */
export function foreignContainer(owner: string | undefined): string | undefined {
  return owner?.startsWith(FOREIGN) === true ? owner.slice(FOREIGN.length) : undefined;
}

/** "8080/tcp" for every host-mode published port of a service. */
export function hostPortKeys(spec: ServiceSpec): string[] {
  const keys: string[] = [];
  for (const p of spec.ports) {
    if (p.mode === "host" && p.published !== undefined) keys.push(`${p.published}/${p.protocol}`);
  }
  return keys;
}

export class Usage {
  private constructor(
    readonly cpu: Float64Array,
    readonly mem: Float64Array,
    readonly total: Int32Array,
    /** Fraction allocated per host: the mean of cpu and memory (kube-scheduler's LeastAllocated). */
    readonly score: Float64Array,
    /** 1 / capacity per host (0 when the capacity is 0), so scoring needs no division. */
    private readonly invCpu: Float64Array,
    private readonly invMem: Float64Array,
    /** host index → port key → owning service; inner maps are shared until written. */
    private readonly ports: Map<number, Map<string, string>>,
    private readonly owned: Set<number>,
  ) {}

  static empty(hosts: readonly HostInfo[]): Usage {
    const n = hosts.length;
    const invCpu = new Float64Array(n);
    const invMem = new Float64Array(n);
    for (const h of hosts) {
      invCpu[h.index] = h.nanoCpus > 0 ? 1 / h.nanoCpus : 0;
      invMem[h.index] = h.memoryBytes > 0 ? 1 / h.memoryBytes : 0;
    }
    // Ports held by containers that are not ours are taken from the start, by nobody we could move.
    const ports = new Map<number, Map<string, string>>();
    for (const h of hosts) {
      if (h.foreignPorts === undefined || h.foreignPorts.size === 0) continue;
      ports.set(h.index, new Map([...h.foreignPorts].map(([k, owner]) => [k, foreignOwner(owner)])));
    }
    return new Usage(
      new Float64Array(n),
      new Float64Array(n),
      new Int32Array(n),
      new Float64Array(n),
      invCpu,
      invMem,
      ports,
      new Set(),
    );
  }

  clone(): Usage {
    return new Usage(
      this.cpu.slice(),
      this.mem.slice(),
      this.total.slice(),
      this.score.slice(),
      this.invCpu,
      this.invMem,
      new Map(this.ports),
      new Set(),
    );
  }

  add(h: number, spec: ServiceSpec, ports: readonly string[]): void {
    this.cpu[h] = (this.cpu[h] ?? 0) + spec.deploy.reservations.nanoCpus;
    this.mem[h] = (this.mem[h] ?? 0) + spec.deploy.reservations.memoryBytes;
    this.total[h] = (this.total[h] ?? 0) + 1;
    this.rescore(h);
    if (ports.length > 0) {
      const m = this.writablePorts(h);
      for (const p of ports) m.set(p, spec.name);
    }
  }

  remove(h: number, spec: ServiceSpec, ports: readonly string[]): void {
    this.cpu[h] = (this.cpu[h] ?? 0) - spec.deploy.reservations.nanoCpus;
    this.mem[h] = (this.mem[h] ?? 0) - spec.deploy.reservations.memoryBytes;
    this.total[h] = (this.total[h] ?? 0) - 1;
    this.rescore(h);
    if (ports.length > 0) {
      const m = this.writablePorts(h);
      for (const p of ports) if (m.get(p) === spec.name) m.delete(p);
    }
  }

  /** The first port of `ports` already bound on host h, by anyone. */
  portTaken(h: number, ports: readonly string[]): string | undefined {
    if (ports.length === 0) return undefined;
    const m = this.ports.get(h);
    if (m === undefined) return undefined;
    for (const p of ports) if (m.has(p)) return p;
    return undefined;
  }

  portOwner(h: number, port: string): string | undefined {
    return this.ports.get(h)?.get(port);
  }

  /** Capacity check for one more replica of spec on host; memory is reported before cpu. */
  capacityReject(host: HostInfo, spec: ServiceSpec): RejectCode | undefined {
    const r = spec.deploy.reservations;
    const h = host.index;
    if (r.memoryBytes > 0 && (this.mem[h] ?? 0) + r.memoryBytes > host.memoryBytes)
      return "insufficient-memory";
    if (r.nanoCpus > 0 && (this.cpu[h] ?? 0) + r.nanoCpus > host.nanoCpus) return "insufficient-cpu";
    return undefined;
  }

  overCapacity(host: HostInfo): boolean {
    const h = host.index;
    return (this.mem[h] ?? 0) > host.memoryBytes || (this.cpu[h] ?? 0) > host.nanoCpus;
  }

  private rescore(h: number): void {
    this.score[h] =
      ((this.cpu[h] ?? 0) * (this.invCpu[h] ?? 0) + (this.mem[h] ?? 0) * (this.invMem[h] ?? 0)) / 2;
  }

  private writablePorts(h: number): Map<string, string> {
    const existing = this.ports.get(h);
    if (existing !== undefined && this.owned.has(h)) return existing;
    const m = new Map(existing);
    this.ports.set(h, m);
    this.owned.add(h);
    return m;
  }
}
