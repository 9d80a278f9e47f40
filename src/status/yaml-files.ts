// status/cluster.yaml and status/services/<name>.yaml: machine-readable,
// snake_case like the repository's own files. Objects are built in a fixed
// key order and every collection is sorted, so equal input gives equal bytes.
// Only spec data goes in: never environment values, never secrets.

import { stringify } from "yaml";
import { specPlace } from "../spec/errors.js";
import { blockYaml } from "./block-yaml.js";
import type { ObservedReplica } from "../model/observed.js";
import type { StatusEvent } from "./event-log.js";
import { eventsOf, recentEvents } from "./event-log.js";
import { cpus, isoTime, shortCommit, shortHash, shortId, subject } from "./format.js";
import type { ServiceSummary, StatusModel } from "./summarise.js";
import { suspensionDoc } from "./suspension.js";
import type { StatusInput, WaitNote } from "./types.js";

export const CLUSTER_FILE = "status/cluster.yaml";
export const serviceFile = (name: string): string => `status/services/${name}.yaml`;

const HEADER = "# Written by gitfleet. Do not edit: the next status commit replaces this file.\n";

/** Written by blockYaml where it is sure to write what `yaml` would (status documents are), else by `yaml`. */
export function toYaml(value: unknown): string {
  return HEADER + (blockYaml(value) ?? stringify(value, YAML_OPTIONS));
}

export const YAML_OPTIONS = { lineWidth: 0, aliasDuplicateObjects: false } as const;

// eslint-disable-next-line max-lines-per-function -- status/cluster.yaml's fields in the order they are written
export function clusterDoc(input: StatusInput, model: StatusModel): Record<string, unknown> {
  const doc: Record<string, unknown> = { cluster: input.cluster, sync: model.sync };
  if (input.desired) {
    doc["desired_commit"] = {
      commit: input.desired.commit,
      author: input.desired.author,
      message: subject(input.desired.message),
      time: isoTime(input.desired.timestamp),
    };
  }
  if (model.appliedCommit !== undefined) doc["applied_commit"] = model.appliedCommit;
  if (input.rejected) {
    doc["rejected_commit"] = {
      commit: input.rejected.commit,
      author: input.rejected.author,
      message: subject(input.rejected.message),
      reason: input.rejected.reason,
      errors: input.rejected.errors.map((e) => `${specPlace(e)}: ${e.message} [${e.code}]`),
    };
  }
  if (input.waitingCommit !== undefined) {
    const w = input.waitingCommit;
    doc["waiting_commit"] = {
      commit: w.commit.commit,
      author: w.commit.author,
      message: subject(w.commit.message),
      time: isoTime(w.commit.timestamp),
      reason: w.reason,
      since: isoTime(w.since),
    };
  }
  const suspended = suspensionDoc(input.suspension);
  if (suspended !== undefined) doc["suspended"] = suspended;
  if (input.warnings !== undefined && input.warnings.length > 0) {
    doc["warnings"] = input.warnings.map((w) => `${specPlace(w)}: ${w.message} [${w.code}]`);
  }
  if (input.outage) {
    // `since` only: attempt counters would change every poll and force a commit.
    doc["git"] = {
      reachable: false,
      since: isoTime(input.outage.since),
      error: input.outage.error,
      // After a restart during the outage: the last commit this operator accepted, from its cache.
      ...(input.outage.fromCache === true ? { desired_from: "operator cache (may be stale)" } : {}),
    };
  }
  if (input.error !== undefined) doc["error"] = input.error;
  if (input.leader !== undefined) doc["leader"] = { holder: input.leader.holder, epoch: input.leader.epoch };
  doc["hosts"] = Object.fromEntries(
    model.hosts.map((h) => [
      h.name,
      {
        state: h.state,
        ...(h.probation ? { probation: true } : {}),
        ...(h.removed ? { removed_from_cluster_yaml: true } : {}),
        address: h.address,
        replicas: h.replicas,
        cpus: { reserved: cpus(h.reserved.nanoCpus), total: cpus(h.total.nanoCpus) },
        memory_bytes: { reserved: h.reserved.memoryBytes, total: h.total.memoryBytes },
        ...(h.lastSeen !== undefined ? { last_seen: isoTime(h.lastSeen) } : {}),
      },
    ]),
  );
  doc["services"] = Object.fromEntries(
    model.services.map((s) => [
      s.name,
      { state: s.state, desired: s.desired, running: s.running, healthy: s.healthy, updated: s.updated },
    ]),
  );
  const unschedulable = model.services.filter((s) => s.unschedulable.length > 0);
  if (unschedulable.length > 0) {
    doc["unschedulable"] = Object.fromEntries(unschedulable.map((s) => [s.name, [...s.unschedulable]]));
  }
  if ((input.unusedVolumes ?? []).length > 0) {
    doc["unused_volumes"] = (input.unusedVolumes ?? []).map((v) => ({
      host: v.host,
      volume: v.volume,
      ...(v.owner !== undefined ? { owner: v.owner } : {}),
      ...(v.sizeBytes !== undefined ? { size_bytes: v.sizeBytes } : {}),
      why: v.why,
    }));
  }
  const conflicts = model.services.filter((s) => s.portConflicts.length > 0);
  if (conflicts.length > 0) {
    doc["port_conflicts"] = Object.fromEntries(conflicts.map((s) => [s.name, [...s.portConflicts]]));
  }
  doc["events"] = recentEvents(input.events, input.recentEvents ?? 20).map(eventDoc);
  return doc;
}

export function serviceDoc(input: StatusInput, s: ServiceSummary): Record<string, unknown> {
  return {
    name: s.name,
    state: s.state,
    mode: s.mode,
    ...(s.image !== undefined ? { image: s.image } : {}),
    ...(s.specHash !== undefined ? { spec_hash: s.specHash } : {}),
    ...(s.appliedCommit !== undefined ? { applied_commit: s.appliedCommit } : {}),
    ...(s.lastHealthySpec !== undefined
      ? {
          failover: {
            spec_hash: shortHash(s.lastHealthySpec),
            note: `rollout held: failover and healing use the last healthy spec ${shortHash(s.lastHealthySpec)}`,
          },
        }
      : {}),
    desired: s.desired,
    running: s.running,
    healthy: s.healthy,
    updated: s.updated,
    ...(s.unschedulable.length > 0 ? { unschedulable: [...s.unschedulable] } : {}),
    ...(s.notes.length > 0 ? { notes: [...s.notes] } : {}),
    ...(s.portConflicts.length > 0 ? { port_conflicts: [...s.portConflicts] } : {}),
    ...(s.waiting.length > 0 ? { waiting: s.waiting.map(waitDoc) } : {}),
    ...(s.endpoints
      ? {
          endpoints: [...s.endpoints]
            .sort((a, b) => a.published - b.published || (a.protocol < b.protocol ? -1 : 1))
            .map((e) => ({ published: e.published, protocol: e.protocol, backends: [...e.backends].sort() })),
        }
      : {}),
    replicas: s.replicas.map(replicaDoc),
    events: eventsOf(input.events, s.name).map(eventDoc),
  };
}

function replicaDoc(r: ObservedReplica): Record<string, unknown> {
  return {
    slot: r.slot,
    host: r.host,
    container: shortId(r.id),
    name: r.name,
    state: r.state,
    health: r.health,
    restarts: r.restartCount,
    spec_hash: shortHash(r.specHash),
    ...(r.image !== undefined ? { image: r.image } : {}),
    commit: shortCommit(r.commit),
    // In full, so the placement can be rebuilt from status alone (plan --against status).
    spec_hash_full: r.specHash,
    commit_full: r.commit,
    created: isoTime(r.createdAt),
    ...(r.exitCode !== undefined && r.state !== "running" ? { exit_code: r.exitCode } : {}),
    ...(r.oomKilled === true && r.state !== "running" ? { oom_killed: true } : {}),
    ...(r.stoppedByOperator === true ? { stopped_by: "gitfleet" } : {}),
  };
}

/** A slot waiting for its retry: why, what, how often it failed, and when it is tried next. */
export function waitDoc(w: WaitNote): Record<string, unknown> {
  return {
    reason: w.reason,
    slot: w.slot,
    host: w.host,
    ...(w.image !== undefined ? { image: w.image } : {}),
    attempts: w.attempts,
    ...(w.since !== undefined ? { since: isoTime(w.since) } : {}),
    next_retry: isoTime(w.retryAt),
    error: w.error,
  };
}

function eventDoc(e: StatusEvent): Record<string, unknown> {
  return {
    time: isoTime(e.time),
    kind: e.kind,
    ...(e.service !== undefined ? { service: e.service } : {}),
    ...(e.slot !== undefined ? { slot: e.slot } : {}),
    ...(e.host !== undefined ? { host: e.host } : {}),
    message: e.message,
    ...(e.count !== undefined && e.count > 1 ? { count: e.count } : {}),
  };
}
