// Guarded deletions: one careless commit (a renamed services/ folder, a file
// deleted by mistake) must not empty the fleet. A commit that would remove
// every running service, or more than a share of the running services or
// replicas, is held unless the commit says it means it: the trailer
// `Gitfleet-Allow-Mass-Removal: true` in its message (one-off), or
// `settings.allow_mass_removal: true` in cluster.yaml (Argo CD's allowEmpty).
// Pure: the caller passes what runs.

import { isLive, type ObservedReplica } from "../model/observed.js";
import type { DesiredState } from "../model/spec.js";

export const ALLOW_TRAILER = "Gitfleet-Allow-Mass-Removal";
const DEFAULT_SHARE = 0.5;
const TRAILER = new RegExp(`^${ALLOW_TRAILER}:\\s*(?:true|yes)\\s*$`, "im");

export interface GuardInput {
  readonly desired: DesiredState;
  /** The replicas observed on the hosts (this cluster's only). */
  readonly running: readonly ObservedReplica[];
  readonly commitMessage?: string;
}

export type GuardVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly message: string; readonly removed: readonly string[] };

export function deletionGuard(i: GuardInput): GuardVerdict {
  const live = new Map<string, number>();
  for (const r of i.running) if (isLive(r)) live.set(r.service, (live.get(r.service) ?? 0) + 1);
  const wanted = new Set(i.desired.services.map((s) => s.name));
  const removed = [...live.keys()].filter((s) => !wanted.has(s)).sort();
  if (removed.length === 0) return { ok: true };
  const settings = i.desired.cluster.settings;
  if (settings.allowMassRemoval === true || TRAILER.test(i.commitMessage ?? "")) return { ok: true };
  const share = settings.maxRemovalShare ?? DEFAULT_SHARE;
  const replicasTotal = [...live.values()].reduce((a, b) => a + b, 0);
  const replicasRemoved = removed.reduce((sum, s) => sum + (live.get(s) ?? 0), 0);
  const all = wanted.size === 0;
  const tooMany = removed.length / live.size > share || replicasRemoved / replicasTotal > share;
  if (!all && !tooMany) return { ok: true };
  const what = all
    ? `would remove every running service (${removed.length}: ${removed.join(", ")})`
    : `would remove ${removed.length} of ${live.size} running services (${removed.join(", ")}) and ` +
      `${replicasRemoved} of ${replicasTotal} running replicas, more than settings.max_removal_share (${share})`;
  const message =
    `this commit ${what}; nothing is removed. If that is meant, add the trailer ` +
    `"${ALLOW_TRAILER}: true" to the commit message, or set settings.allow_mass_removal: true in cluster.yaml`;
  return { ok: false, message, removed };
}
