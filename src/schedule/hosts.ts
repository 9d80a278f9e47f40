// The hosts as the scheduler sees them: observed state joined with the cluster
// spec (labels, drain), sorted by name so that every tie is broken by name and
// a host is addressed by its index in hot loops.

import { portKey, type ObservedHost } from "../model/observed.js";
import type { ClusterSpec } from "../model/spec.js";
import type { MoveCode, RejectCode } from "./types.js";

export interface HostInfo {
  readonly name: string;
  readonly index: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly nanoCpus: number;
  readonly memoryBytes: number;
  /** Why this host takes no new replica, whatever the service; absent when it accepts work. */
  readonly blocked?: RejectCode;
  /** Why replicas already there must leave; absent when they may stay. */
  readonly evict?: MoveCode;
  /** Port key ("8080/tcp") → container holding it that is not ours; absent when none. */
  readonly foreignPorts?: ReadonlyMap<string, string>;
}

export interface HostIndex {
  readonly hosts: readonly HostInfo[];
  readonly byName: ReadonlyMap<string, HostInfo>;
}

const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function indexHosts(cluster: ClusterSpec, observed: readonly ObservedHost[]): HostIndex {
  const specs = new Map(cluster.hosts.map((h) => [h.name, h]));
  const seen = new Map(observed.map((h) => [h.name, h]));
  const names = [...new Set([...specs.keys(), ...seen.keys()])].sort(compareNames);
  const hosts = names.map((name, index): HostInfo => {
    const spec = specs.get(name);
    const obs = seen.get(name);
    const nanoCpus = spec?.capacity.nanoCpus ?? obs?.capacity.nanoCpus ?? 0;
    const memoryBytes = spec?.capacity.memoryBytes ?? obs?.capacity.memoryBytes ?? 0;
    const foreign = obs?.foreignPorts ?? [];
    const base = {
      name,
      index,
      labels: spec?.labels ?? NO_LABELS,
      nanoCpus,
      memoryBytes,
      ...(foreign.length > 0 ? { foreignPorts: new Map(foreign.map((p) => [portKey(p), p.owner])) } : {}),
    };
    if (spec === undefined) return { ...base, blocked: "host-not-in-cluster", evict: "host-not-in-cluster" };
    if (obs === undefined || obs.state === "unknown") return { ...base, blocked: "host-unknown" };
    if (obs.state === "down") return { ...base, blocked: "host-down", evict: "host-down" };
    if (spec.drain) return { ...base, blocked: "host-draining", evict: "host-draining" };
    if (obs.probation === true) return { ...base, blocked: "host-probation" };
    return base;
  });
  return { hosts, byName: new Map(hosts.map((h) => [h.name, h])) };
}

/** True when two indexes schedule identically (used to reuse an incremental state). */
export function sameHosts(a: HostIndex, b: HostIndex): boolean {
  if (a.hosts.length !== b.hosts.length) return false;
  for (let i = 0; i < a.hosts.length; i++) {
    const x = a.hosts[i];
    const y = b.hosts[i];
    if (x === undefined || y === undefined) return false;
    if (x.name !== y.name || x.blocked !== y.blocked || x.evict !== y.evict) return false;
    if (x.nanoCpus !== y.nanoCpus || x.memoryBytes !== y.memoryBytes) return false;
    if (x.labels !== y.labels && !sameRecord(x.labels, y.labels)) return false;
    if (!sameRecord(Object.fromEntries(x.foreignPorts ?? []), Object.fromEntries(y.foreignPorts ?? [])))
      return false;
  }
  return true;
}

function sameRecord(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => a[k] === b[k]);
}
