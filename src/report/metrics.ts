// The values of gitfleet's metrics after a pass, computed from the pass
// report alone (pure): per-service info and replica gauges from the status
// model, host and Git gauges, and what counters and histograms gain. The
// little memory it needs across passes (what was counted already, hosts
// whose failover is being timed) is passed in and returned, never hidden.
// Labels are bounded: service and host names (capped by the spec and the
// ceiling), fixed enums, and one commit per service; never container ids.

import { summarise, type ServiceSummary, type StatusModel } from "../status/index.js";
import type { RolloutStatus } from "../execute/context.js";
import type { SuspendState } from "../model/suspend.js";
import type { PassReport } from "./pass-report.js";

export type ServiceSync = "Synced" | "OutOfSync";
export type ServiceHealth = "Healthy" | "Progressing" | "Degraded" | "Suspended";
export type RolloutResultLabel = "succeeded" | "rolled_back" | "paused" | "failed";

export interface ServiceSample {
  readonly service: string;
  readonly sync: ServiceSync;
  readonly health: ServiceHealth;
  /** The commit its up-to-date replicas were created by ("" when none runs yet). */
  readonly commit: string;
  readonly desired: number;
  readonly running: number;
  readonly healthy: number;
}

export interface MetricsSample {
  /** Gauges: set to exactly these series (series not listed are removed). */
  readonly cluster?: { readonly cluster: string; readonly sync: string; readonly commit: string };
  readonly services: readonly ServiceSample[];
  readonly hosts: ReadonlyMap<string, boolean>;
  /** Git answered the last poll (absent before the first pass that polled). */
  readonly gitUp?: boolean;
  /** Unix seconds at which the commit now applied was first seen applied. */
  readonly lastApplyTimestamp?: number;
  /** The suspend switch as the last poll read it (absent before the first pass that polled). */
  readonly suspended?: SuspendState["state"];
  /** Counters: what they gain. */
  readonly rollouts: readonly { readonly service: string; readonly result: RolloutResultLabel }[];
  readonly gitFetchFailures: number;
  readonly commitsRejected: readonly { readonly reason: string }[];
  /** Histograms: observations in seconds. */
  readonly stageSeconds: readonly { readonly stage: string; readonly seconds: number }[];
  readonly failoverSeconds: readonly number[];
}

/** What the metrics remember between passes. */
export interface MetricsMemory {
  /** The outage being counted: its start and the failed attempts counted so far. */
  readonly outage?: { readonly since: number; readonly attempts: number };
  /** The last rejected commit counted (a rejection stays in every snapshot until a good commit). */
  readonly rejected?: string;
  readonly applied?: { readonly commit: string; readonly at: number };
  /** Down hosts whose failover is being timed: since when, and the services that ran there. */
  readonly failovers: ReadonlyMap<string, Failover>;
  /** Per host, the services with live replicas there as the last pass saw them. */
  readonly servicesOnHost: ReadonlyMap<string, readonly string[]>;
}

export interface Failover {
  readonly since: number;
  readonly services: readonly string[];
  /** Observed already: the host stays down, but its failover is over. */
  readonly timed?: boolean;
}

export const EMPTY_METRICS_MEMORY: MetricsMemory = { failovers: new Map(), servicesOnHost: new Map() };

// eslint-disable-next-line max-lines-per-function -- one sample from a pass report: each metric's value beside the memory it updates
export function nextMetrics(
  memory: MetricsMemory,
  report: PassReport,
): { sample: MetricsSample; memory: MetricsMemory } {
  const snapshot = report.snapshot;
  const model = report.status !== undefined ? summarise(report.status) : undefined;

  // Git: each failed attempt of an outage counts once, however many passes see it.
  let gitFetchFailures = 0;
  let outage = memory.outage;
  if (snapshot?.outage !== undefined) {
    const counted = outage?.since === snapshot.outage.since ? outage.attempts : 0;
    gitFetchFailures = Math.max(0, snapshot.outage.attempts - counted);
    outage = { since: snapshot.outage.since, attempts: Math.max(counted, snapshot.outage.attempts) };
  } else if (snapshot !== undefined) outage = undefined;

  const rejectedNow = snapshot?.rejected;
  const newRejection = rejectedNow !== undefined && rejectedNow.commit !== memory.rejected;

  const applied = appliedMemory(memory.applied, model, report.at);
  const failover =
    model !== undefined
      ? timeFailovers(memory, model, report.at)
      : { failovers: memory.failovers, seconds: [] as number[] };

  const sample: MetricsSample = {
    ...(report.status !== undefined && model !== undefined
      ? {
          cluster: {
            cluster: report.status.cluster,
            sync: model.sync,
            commit: report.status.desired?.commit ?? "",
          },
        }
      : {}),
    services: model?.services.map(serviceSample) ?? [],
    hosts: new Map(model?.hosts.map((h) => [h.name, h.state !== "down"]) ?? []),
    ...(snapshot !== undefined ? { gitUp: snapshot.outage === undefined } : {}),
    ...(applied !== undefined ? { lastApplyTimestamp: applied.at / 1000 } : {}),
    ...(snapshot?.suspension !== undefined ? { suspended: snapshot.suspension.state } : {}),
    rollouts: report.rollouts.flatMap((r) => {
      const result = rolloutResult(r.status);
      return result === undefined ? [] : [{ service: r.service, result }];
    }),
    gitFetchFailures,
    commitsRejected: newRejection ? [{ reason: rejectedNow.reason }] : [],
    stageSeconds: Object.entries(report.stagesMs).map(([stage, ms]) => ({ stage, seconds: ms / 1000 })),
    failoverSeconds: failover.seconds,
  };
  return {
    sample,
    memory: {
      ...(outage !== undefined ? { outage } : {}),
      ...(rejectedNow !== undefined
        ? { rejected: rejectedNow.commit }
        : memory.rejected !== undefined && snapshot === undefined
          ? { rejected: memory.rejected }
          : {}),
      ...(applied !== undefined ? { applied } : {}),
      failovers: failover.failovers,
      servicesOnHost: model !== undefined ? servicesOnHost(model) : memory.servicesOnHost,
    },
  };
}

/** A cancelled rollout (shutdown) ended nothing: not counted. */
export function rolloutResult(status: RolloutStatus): RolloutResultLabel | undefined {
  switch (status) {
    case "completed":
      return "succeeded";
    case "rolled-back":
      return "rolled_back";
    case "paused":
      return "paused";
    case "failed":
    case "skipped":
      return "failed";
    case "cancelled":
      return undefined;
  }
}

/** Argo CD's two axes: does it run what Git says (sync), and is what runs well (health)? */
export function serviceSample(s: ServiceSummary): ServiceSample {
  let health: ServiceHealth;
  switch (s.state) {
    case "converged":
      health = "Healthy";
      break;
    case "progressing":
    case "removing":
      health = "Progressing";
      break;
    case "paused":
      health = "Suspended";
      break;
    default:
      health = "Degraded";
  }
  const held = s.state === "paused" || s.state === "rolled-back";
  const inMotion = s.state === "progressing" || s.state === "removing";
  const allCurrent = s.replicas.every((r) => r.specHash === s.specHash) && s.replicas.length >= s.desired;
  const sync: ServiceSync = !held && !inMotion && allCurrent ? "Synced" : "OutOfSync";
  return {
    service: s.name,
    sync,
    health,
    commit: s.appliedCommit ?? mostCommonCommit(s) ?? "",
    desired: s.desired,
    running: s.running,
    healthy: s.healthy,
  };
}

function appliedMemory(
  prev: MetricsMemory["applied"],
  model: StatusModel | undefined,
  at: number,
): MetricsMemory["applied"] {
  const commit = model?.appliedCommit;
  if (commit === undefined) return prev;
  return prev?.commit === commit ? prev : { commit, at };
}

function servicesOnHost(model: StatusModel): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of model.services)
    for (const r of s.replicas) {
      if (r.state !== "running") continue;
      const list = out.get(r.host) ?? [];
      if (!list.includes(s.name)) out.set(r.host, [...list, s.name]);
    }
  return out;
}

/**
 * Failover is timed from a host's last answer to the first pass after which every service that
 * ran there has its desired count of healthy replicas again. A host that comes back first, or
 * ran nothing, is not a failover.
 */
function timeFailovers(
  memory: MetricsMemory,
  model: StatusModel,
  at: number,
): { failovers: MetricsMemory["failovers"]; seconds: number[] } {
  const failovers = new Map(memory.failovers);
  const seconds: number[] = [];
  const byName = new Map(model.services.map((s) => [s.name, s]));
  const known = new Set(model.hosts.map((h) => h.name));
  for (const host of failovers.keys()) if (!known.has(host)) failovers.delete(host);
  for (const h of model.hosts) {
    const down = h.state === "down";
    if (!down) {
      failovers.delete(h.name);
      continue;
    }
    if (failovers.has(h.name)) continue;
    const services = memory.servicesOnHost.get(h.name) ?? [];
    if (services.length > 0) failovers.set(h.name, { since: h.lastSeen ?? at, services });
  }
  for (const [host, f] of failovers) {
    if (f.timed === true) continue;
    const recovered = f.services.every((name) => {
      const s = byName.get(name);
      return s === undefined || s.healthy >= s.desired;
    });
    if (!recovered) continue;
    seconds.push(Math.max(0, at - f.since) / 1000);
    failovers.set(host, { ...f, timed: true });
  }
  return { failovers, seconds };
}

/** A held service runs an older spec: the commit most of its replicas came from. */
function mostCommonCommit(s: ServiceSummary): string | undefined {
  const counts = new Map<string, number>();
  for (const r of s.replicas)
    if (r.state === "running") counts.set(r.commit, (counts.get(r.commit) ?? 0) + 1);
  let best: string | undefined;
  for (const [c, n] of counts)
    if (best === undefined || n > (counts.get(best) ?? 0) || (n === counts.get(best) && c < best)) best = c;
  return best;
}
