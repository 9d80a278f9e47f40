// The `leader_election:` section of the operator configuration (schema-valid by
// now): standby operators that share one fleet elect a leader on an etcd lease.
// Absent: single-instance mode, guarded by the per-host cluster lock, as before.

import { DEFAULT_LEASE_TIMING, leaseTimingProblem, type LeaseTiming } from "../model/leadership.js";
import { parseDuration } from "../spec/units.js";
import type { Problem } from "./problem.js";

export interface LeaderElectionConfig {
  /** etcd client URLs (http:// or https://), tried in order. */
  readonly etcdEndpoints: readonly string[];
  /** The key the leader holds; by default one per cluster name, so fleets can share an etcd. */
  readonly key?: string;
  readonly timing: LeaseTiming;
}

type Raw = Record<string, unknown>;

export function parseLeaderElection(raw: unknown, problem: Problem): LeaderElectionConfig | undefined {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return undefined;
  const l = raw as Raw;
  const etcd = (l["etcd"] ?? {}) as Raw;
  const duration = (key: string, fallback: number): number => {
    const v = l[key];
    if (typeof v !== "string") return fallback;
    const r = parseDuration(v);
    if (!r.ok) problem(`/leader_election/${key}`, "config-bad-duration", r.reason);
    return r.ok ? r.value : fallback;
  };
  const timing: LeaseTiming = {
    ttlMs: duration("lease_ttl", DEFAULT_LEASE_TIMING.ttlMs),
    renewEveryMs: duration("renew_every", DEFAULT_LEASE_TIMING.renewEveryMs),
    renewDeadlineMs: duration("renew_deadline", DEFAULT_LEASE_TIMING.renewDeadlineMs),
  };
  const wrong = leaseTimingProblem(timing);
  if (wrong !== undefined) problem("/leader_election", "config-conflict", wrong);
  const endpoints = Array.isArray(etcd["endpoints"])
    ? etcd["endpoints"].filter((e) => typeof e === "string")
    : [];
  const key = typeof l["key"] === "string" ? l["key"] : undefined;
  return { etcdEndpoints: endpoints, ...(key !== undefined ? { key } : {}), timing };
}

/** The leader key: as configured, else one per pinned cluster name (parse makes sure one of the two is set). */
export function leaderKey(config: LeaderElectionConfig, pinnedCluster: string | undefined): string {
  return config.key ?? `gitfleet/${pinnedCluster ?? "default"}/leader`;
}

/**
 * The fleet-wide suspend switch's key: beside the leader key (`gitfleet/prod/leader` →
 * `gitfleet/prod/suspended`), so that one key prefix holds a fleet's whole state in etcd.
 */
export function suspendKey(leader: string): string {
  const slash = leader.lastIndexOf("/");
  const beside = `${leader.slice(0, Math.max(0, slash))}/suspended`;
  // A leader key with no folder, or itself named .../suspended, gets the switch under it instead.
  return slash <= 0 || beside === leader ? `${leader}/suspended` : beside;
}

/** The mark `gitfleet resume` leaves beside the switch (`gitfleet/prod/resumed`): its revision lifts older files. */
export function resumedKey(leader: string): string {
  return `${suspendKey(leader).slice(0, -"suspended".length)}resumed`;
}
