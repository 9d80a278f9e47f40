// The JSON documents of `gitfleet status --json` and `gitfleet wait --json`:
// snake_case like the repository's files, format_version 1, one document on
// stdout whatever the outcome.

import type { StatusView } from "../../status/readback.js";
import type { Diagnostic } from "../diagnostics.js";

export const VERBS_FORMAT_VERSION = 1;

export interface StatusSource {
  readonly commit: string;
  /** ISO time of the status commit. */
  readonly time: string;
  readonly age_seconds: number;
}

/** The view as JSON: what status/cluster.yaml and status/services/*.yaml say, read back. */
export function statusDoc(view: StatusView | undefined): Record<string, unknown> {
  if (view === undefined) return {};
  return {
    cluster: view.cluster ?? null,
    sync: view.sync ?? null,
    desired_commit: view.desired ?? null,
    applied_commit: view.applied ?? null,
    waiting_commit: view.waiting ?? null,
    rejected_commit: view.rejected ?? null,
    suspended: view.suspended,
    ...(view.git !== undefined ? { git: { reachable: false, ...view.git } } : {}),
    ...(view.error !== undefined ? { error: view.error } : {}),
    hosts: view.hosts.map((h) => ({
      name: h.name,
      state: h.state,
      address: h.address ?? null,
      replicas: h.replicas,
      probation: h.probation,
    })),
    services: view.services.map((s) => ({
      name: s.name,
      state: s.state,
      desired: s.desired,
      running: s.running,
      healthy: s.healthy,
      updated: s.updated,
      image: s.image ?? null,
      applied_commit: s.appliedCommit ?? null,
      unschedulable: s.unschedulable,
      replicas: s.replicas.map((r) => ({
        slot: r.slot,
        host: r.host,
        container: r.container,
        state: r.state,
        health: r.health,
        restarts: r.restarts,
        spec_hash: r.specHash,
        commit: r.commit,
      })),
    })),
  };
}

export function json(doc: object): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

export type { Diagnostic };
