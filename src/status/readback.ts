// Reads the status files back (status/cluster.yaml, status/services/*.yaml)
// into plain data, for the commands that work from the status branch alone:
// `gitfleet status`, `wait` and `plan --against status`. The files may be
// written by an older version (no full hashes, no creation times) or edited
// by hand: what is unexpected is skipped, never trusted to have a shape.

import { parse } from "yaml";
import { parseIsoTime } from "./format.js";
import { readSuspension, type SuspensionView } from "./suspension.js";
import { CLUSTER_FILE } from "./yaml-files.js";

export interface CommitRef {
  readonly commit: string;
  readonly message?: string;
  readonly author?: string;
  /** ISO time as written. */
  readonly time?: string;
}

export interface ReplicaView {
  readonly slot: string;
  readonly host: string;
  readonly container: string;
  readonly name: string;
  readonly state: string;
  readonly health: string;
  readonly restarts: number;
  /** The full spec hash when the file has it (spec_hash_full), else the short one. */
  readonly specHash: string;
  readonly image?: string;
  /** The full commit when the file has it (commit_full), else the short one. */
  readonly commit: string;
  /** ms since epoch, when the file has it. */
  readonly createdAt?: number;
}

export interface EventView {
  readonly time?: string;
  readonly kind: string;
  readonly service?: string;
  readonly message: string;
}

export interface ServiceView {
  readonly name: string;
  readonly state: string;
  readonly desired: number;
  readonly running: number;
  readonly healthy: number;
  readonly updated: number;
  readonly image?: string;
  readonly specHash?: string;
  readonly appliedCommit?: string;
  readonly unschedulable: readonly string[];
  readonly replicas: readonly ReplicaView[];
  /** Newest first, as written. */
  readonly events: readonly EventView[];
}

export interface HostView {
  readonly name: string;
  readonly state: string;
  readonly address?: string;
  readonly replicas: number;
  readonly probation: boolean;
  readonly cpus?: number;
  readonly memoryBytes?: number;
}

export interface StatusView {
  readonly cluster?: string;
  readonly sync?: string;
  readonly desired?: CommitRef;
  readonly applied?: string;
  readonly rejected?: CommitRef & { readonly reason: string; readonly errors: readonly string[] };
  /** A newer commit the operator has not applied yet, and why (suspended, a deny window). */
  readonly waiting?: CommitRef & { readonly reason: string; readonly since?: string };
  readonly git?: { readonly since?: string; readonly error?: string };
  /** The suspend switch as the operator last read it (not suspended when the file does not say). */
  readonly suspended: SuspensionView;
  readonly error?: string;
  readonly hosts: readonly HostView[];
  readonly services: readonly ServiceView[];
  readonly events: readonly EventView[];
}

const SERVICE_FILE = /^status\/services\/([^/]+)\.yaml$/;

/** The status files (path → content) as a view; undefined when there is no readable status/cluster.yaml. */
export function readStatusView(files: ReadonlyMap<string, string>): StatusView | undefined {
  const cluster = record(load(files.get(CLUSTER_FILE)));
  if (cluster === undefined) return undefined;
  const serviceDocs = new Map<string, Record<string, unknown>>();
  for (const [path, content] of files) {
    const name = SERVICE_FILE.exec(path)?.[1];
    const doc = name === undefined ? undefined : record(load(content));
    if (name !== undefined && doc !== undefined && (doc["name"] === undefined || doc["name"] === name))
      serviceDocs.set(name, doc);
  }
  const summaries = record(cluster["services"]) ?? {};
  const names = [...new Set([...Object.keys(summaries), ...serviceDocs.keys()])].sort();
  const rejected = record(cluster["rejected_commit"]);
  const waiting = record(cluster["waiting_commit"]);
  const git = record(cluster["git"]);
  return {
    ...opt("cluster", str(cluster["cluster"])),
    ...opt("sync", str(cluster["sync"])),
    ...opt("desired", commitRef(cluster["desired_commit"])),
    ...opt("applied", str(cluster["applied_commit"])),
    ...(rejected !== undefined && str(rejected["commit"]) !== undefined
      ? {
          rejected: {
            ...commitRef(rejected)!,
            reason: str(rejected["reason"]) ?? "rejected",
            errors: list(rejected["errors"]).flatMap((e) => (typeof e === "string" ? [e] : [])),
          },
        }
      : {}),
    ...(waiting !== undefined && str(waiting["commit"]) !== undefined
      ? {
          waiting: {
            ...commitRef(waiting)!,
            reason: str(waiting["reason"]) ?? "waiting",
            ...opt("since", str(waiting["since"])),
          },
        }
      : {}),
    ...(git !== undefined && git["reachable"] === false
      ? { git: { ...opt("since", str(git["since"])), ...opt("error", str(git["error"])) } }
      : {}),
    suspended: readSuspension(cluster["suspended"]),
    ...opt("error", str(cluster["error"])),
    hosts: Object.entries(record(cluster["hosts"]) ?? {}).map(([name, h]) => hostView(name, record(h) ?? {})),
    services: names.map((n) => serviceView(n, record(summaries[n]) ?? {}, serviceDocs.get(n))),
    events: events(cluster["events"]),
  };
}

function hostView(name: string, h: Record<string, unknown>): HostView {
  return {
    name,
    state: str(h["state"]) ?? "unknown",
    ...opt("address", str(h["address"])),
    replicas: num(h["replicas"]) ?? 0,
    probation: h["probation"] === true,
    ...opt("cpus", num(record(h["cpus"])?.["total"])),
    ...opt("memoryBytes", num(record(h["memory_bytes"])?.["total"])),
  };
}

function serviceView(
  name: string,
  summary: Record<string, unknown>,
  doc: Record<string, unknown> | undefined,
): ServiceView {
  const d = doc ?? {};
  const pick = (key: string): unknown => d[key] ?? summary[key];
  return {
    name,
    state: str(pick("state")) ?? "unknown",
    desired: num(pick("desired")) ?? 0,
    running: num(pick("running")) ?? 0,
    healthy: num(pick("healthy")) ?? 0,
    updated: num(pick("updated")) ?? 0,
    ...opt("image", str(d["image"])),
    ...opt("specHash", str(d["spec_hash"])),
    ...opt("appliedCommit", str(d["applied_commit"])),
    unschedulable: list(d["unschedulable"]).flatMap((u) => (typeof u === "string" ? [u] : [])),
    replicas: list(d["replicas"]).flatMap((r) => {
      const v = replicaView(record(r));
      return v === undefined ? [] : [v];
    }),
    events: events(d["events"]),
  };
}

function replicaView(r: Record<string, unknown> | undefined): ReplicaView | undefined {
  if (r === undefined) return undefined;
  const slot = str(r["slot"]) ?? (typeof r["slot"] === "number" ? String(r["slot"]) : undefined);
  const host = str(r["host"]);
  const specHash = str(r["spec_hash_full"]) ?? str(r["spec_hash"]);
  const commit = str(r["commit_full"]) ?? str(r["commit"]);
  if (slot === undefined || host === undefined || specHash === undefined || commit === undefined)
    return undefined;
  const created = str(r["created"]);
  const createdAt = created === undefined ? undefined : parseIsoTime(created);
  return {
    slot,
    host,
    container: str(r["container"]) ?? "",
    name: str(r["name"]) ?? "",
    state: str(r["state"]) ?? "unknown",
    health: str(r["health"]) ?? "none",
    restarts: num(r["restarts"]) ?? 0,
    specHash,
    ...opt("image", str(r["image"])),
    commit,
    ...(createdAt !== undefined ? { createdAt } : {}),
  };
}

function events(value: unknown): EventView[] {
  return list(value).flatMap((e) => {
    const r = record(e);
    const kind = str(r?.["kind"]);
    const message = str(r?.["message"]);
    if (r === undefined || kind === undefined || message === undefined) return [];
    return [{ kind, message, ...opt("time", str(r["time"])), ...opt("service", str(r["service"])) }];
  });
}

function commitRef(value: unknown): CommitRef | undefined {
  const r = record(value);
  const commit = str(r?.["commit"]);
  if (r === undefined || commit === undefined) return undefined;
  return {
    commit,
    ...opt("message", str(r["message"])),
    ...opt("author", str(r["author"])),
    ...opt("time", str(r["time"])),
  };
}

/** Commit ids match when one is a prefix of the other (status keeps short ids in places; users type them). */
export function sameCommit(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x.length >= 4 && y.length >= 4 && (x.startsWith(y) || y.startsWith(x));
}

function load(content: string | undefined): unknown {
  if (content === undefined) return undefined;
  try {
    return parse(content);
  } catch {
    return undefined;
  }
}

function record(v: unknown): Record<string, unknown> | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? (v as unknown[]) : [];
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
