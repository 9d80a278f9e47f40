// From the raw input to the facts every rendering shows: per-service counts
// and state, per-host state and reservations, the cluster's sync state.

import type { ObservedReplica } from "../model/observed.js";
import type { Resources } from "../model/spec.js";
import { byString, compareSlots } from "./format.js";
import type {
  EndpointInput,
  HostStatusState,
  ServiceInput,
  ServiceState,
  StatusInput,
  SyncState,
  WaitNote,
  WaitReason,
} from "./types.js";

export interface ServiceSummary {
  readonly name: string;
  readonly image?: string;
  readonly mode: "replicated" | "global";
  readonly specHash?: string;
  readonly desired: number;
  /** Containers that exist and are not finished. */
  readonly running: number;
  /** Running and healthy (or running without a healthcheck). */
  readonly healthy: number;
  /** Healthy at the current spec hash. */
  readonly updated: number;
  readonly state: ServiceState;
  /** The commit most up-to-date replicas carry. */
  readonly appliedCommit?: string;
  readonly unschedulable: readonly string[];
  readonly notes: readonly string[];
  /** Published ports some host's edge cannot serve (held by a container that is not ours). */
  readonly portConflicts: readonly string[];
  readonly endpoints?: readonly EndpointInput[];
  readonly waiting: readonly WaitNote[];
  /** Held: the older spec failover and healing use. */
  readonly lastHealthySpec?: string;
  readonly replicas: readonly ObservedReplica[];
}

export interface HostSummary {
  readonly name: string;
  readonly address: string;
  readonly state: HostStatusState;
  readonly probation: boolean;
  /** Removed from cluster.yaml, not cleaned up yet. */
  readonly removed: boolean;
  readonly total: Resources;
  readonly reserved: Resources;
  readonly replicas: number;
  readonly lastSeen?: number;
}

export interface StatusModel {
  readonly sync: SyncState;
  readonly appliedCommit?: string;
  readonly hosts: readonly HostSummary[];
  readonly services: readonly ServiceSummary[];
}

const LIVE = new Set(["created", "running", "restarting", "paused"]);

export function isHealthy(r: ObservedReplica): boolean {
  return r.state === "running" && (r.health === "healthy" || r.health === "none");
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list === undefined) out.set(k, [item]);
    else list.push(item);
  }
  return out;
}

/** Keeps a service's summary while what it is made from holds the same data (see status-memo.ts). */
export interface SummaryMemo {
  summary(
    name: string,
    input: ServiceInput | undefined,
    replicas: readonly ObservedReplica[],
    make: () => ServiceSummary,
  ): ServiceSummary;
}

export function summarise(input: StatusInput, memo?: SummaryMemo): StatusModel {
  // Indexed once: per service and per host (at 1,000 hosts, filtering all 10,000 replicas per host
  // was most of a no-change pass).
  const byService = groupBy(input.replicas, (r) => r.service);
  const byHost = groupBy(input.replicas, (r) => r.host);
  const wanted = new Map(input.services.map((s) => [s.spec.name, s]));
  const names = [...new Set([...wanted.keys(), ...byService.keys()])].sort(byString);
  const services = names.map((name) => {
    const spec = wanted.get(name);
    const replicas = byService.get(name) ?? [];
    const make = (): ServiceSummary => serviceSummary(name, spec, replicas);
    return memo === undefined ? make() : memo.summary(name, spec, replicas, make);
  });

  const reservation = new Map(input.services.map((s) => [s.spec.name, s.spec.deploy.reservations]));
  const hosts = [...input.hosts]
    .sort((a, b) => byString(a.name, b.name))
    .map((h): HostSummary => {
      const onHost = byHost.get(h.name) ?? [];
      const live = onHost.filter((r) => LIVE.has(r.state));
      const reserved = live.reduce(
        (acc, r) => {
          const res = reservation.get(r.service);
          return res
            ? { nanoCpus: acc.nanoCpus + res.nanoCpus, memoryBytes: acc.memoryBytes + res.memoryBytes }
            : acc;
        },
        { nanoCpus: 0, memoryBytes: 0 },
      );
      // Drained once not a single replica container (running or not) is left on it.
      const empty = onHost.length === 0;
      const state: HostStatusState =
        h.state !== "up" ? "down" : h.drain ? (empty ? "drained" : "draining") : "up";
      return {
        name: h.name,
        address: h.address,
        state,
        probation: h.probation ?? false,
        removed: h.removed ?? false,
        total: h.capacity,
        reserved,
        replicas: live.length,
        ...(state === "down" && h.lastSeen !== undefined ? { lastSeen: h.lastSeen } : {}),
      };
    });

  const sync = syncState(input, services, hosts);
  // Converged on the desired commit: it is applied (even while a newer tip is rejected).
  const converged = services.every((s) => s.state === "converged");
  const applied =
    input.applied ?? (converged && input.error === undefined ? input.desired?.commit : undefined);
  return { sync, ...(applied !== undefined ? { appliedCommit: applied } : {}), hosts, services };
}

// eslint-disable-next-line max-lines-per-function -- one service's summary: counts and notes computed from the same sorted replicas
function serviceSummary(
  name: string,
  input: ServiceInput | undefined,
  replicas: ObservedReplica[],
): ServiceSummary {
  const sorted = [...replicas].sort(
    (a, b) =>
      compareSlots(a.slot, b.slot) ||
      byString(a.host, b.host) ||
      byString(a.specHash, b.specHash) ||
      byString(a.id, b.id),
  );
  const specHash = input?.spec.specHash;
  const live = sorted.filter((r) => LIVE.has(r.state));
  const healthy = sorted.filter(isHealthy);
  const updated = healthy.filter((r) => r.specHash === specHash);
  const desired = input?.desired ?? 0;
  const unschedulable = [...(input?.unschedulable ?? [])];
  const portConflicts = [...(input?.portConflicts ?? [])];
  const waiting = [...(input?.waiting ?? [])].sort(
    (a, b) => compareSlots(a.slot, b.slot) || byString(a.host, b.host) || byString(a.reason, b.reason),
  );
  const commit = mostCommon(sorted.filter((r) => r.specHash === specHash).map((r) => r.commit));
  let state: ServiceState;
  if (input === undefined) state = "removing";
  else if (input.phase === "paused") state = "paused";
  else if (input.phase === "rolled-back") state = "rolled-back";
  // A slot of this very image waiting for its retry stays shown as waiting while the retry runs
  // (a retried pull is a rollout pass too): not "progressing" and back on every retry.
  else if (waiting.some((w) => w.image === input.spec.image)) state = worstWait(waiting);
  else if (input.phase === "rolling-out" || input.phase === "rolling-back") state = "progressing";
  else if (waiting.length > 0) state = worstWait(waiting);
  // A port that some host's edge cannot serve is not converged, however healthy the replicas are.
  else if (updated.length === desired && live.length === desired && portConflicts.length === 0)
    state = "converged";
  else if (portConflicts.length > 0) state = "degraded";
  else if (unschedulable.length > 0 || sorted.some((r) => r.health === "unhealthy" || !LIVE.has(r.state))) {
    state = "degraded";
  } else state = "progressing";
  return {
    name,
    ...(input ? { image: input.spec.image, specHash: input.spec.specHash } : {}),
    mode: input?.spec.deploy.mode ?? "replicated",
    desired,
    running: sorted.filter((r) => r.state === "running").length,
    healthy: healthy.length,
    updated: updated.length,
    state,
    ...(commit !== undefined ? { appliedCommit: commit } : {}),
    unschedulable,
    notes: [...(input?.notes ?? [])],
    portConflicts,
    ...(input?.endpoints ? { endpoints: input.endpoints } : {}),
    waiting,
    ...(input?.lastHealthySpec !== undefined ? { lastHealthySpec: input.lastHealthySpec } : {}),
    replicas: sorted,
  };
}

/** Error > Rejected > Degraded > Progressing > Synced: the most urgent wins. */
export function syncState(
  input: StatusInput,
  services: readonly ServiceSummary[],
  hosts: readonly HostSummary[],
): SyncState {
  if (input.error !== undefined || (input.outage !== undefined && input.desired === undefined))
    return "Error";
  if (input.rejected !== undefined) return "Rejected";
  const states = new Set(services.map((s) => s.state));
  const bad: readonly ServiceState[] = ["degraded", "paused", "rolled-back", ...WAIT_ORDER];
  if (bad.some((b) => states.has(b))) return "Degraded";
  if (hosts.some((h) => h.state === "down")) return "Degraded";
  if (states.has("progressing") || states.has("removing")) return "Progressing";
  return "Synced";
}

/** The reason a service is shown with when several slots wait: the one that needs a person most. */
const WAIT_ORDER: readonly WaitReason[] = ["image-pull-failed", "start-failed", "oom-killed", "crash-loop"];

function worstWait(waiting: readonly WaitNote[]): WaitReason {
  const reasons = new Set(waiting.map((w) => w.reason));
  return WAIT_ORDER.find((r) => reasons.has(r)) ?? "crash-loop";
}

function mostCommon(values: readonly string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: string | undefined;
  for (const [v, n] of [...counts].sort((a, b) => byString(a[0], b[0]))) {
    if (best === undefined || n > (counts.get(best) ?? 0)) best = v;
  }
  return best;
}
