// Which of several containers for one slot is "the" replica: the one whose spec
// matches the desired spec hash, then the healthiest, then the newest. Shared by
// the scheduler (where a slot lives) and the planner (which duplicate to keep).

import type { ObservedReplica } from "../model/observed.js";

/** Lower is better. A running container without a healthcheck counts as healthy. */
export function healthRank(r: ObservedReplica): number {
  switch (r.state) {
    case "running":
      return r.health === "healthy" || r.health === "none" ? 0 : r.health === "starting" ? 1 : 2;
    case "restarting":
      return 3;
    case "paused":
      return 4;
    case "created":
      return 5;
    case "exited":
      return 6;
    case "dead":
      return 7;
    case "removing":
      return 8;
  }
}

export function isHealthy(r: ObservedReplica): boolean {
  return healthRank(r) === 0;
}

/** Sort comparator: best replica first. */
export function compareReplicas(a: ObservedReplica, b: ObservedReplica, specHash: string): number {
  const sa = a.specHash === specHash ? 0 : 1;
  const sb = b.specHash === specHash ? 0 : 1;
  if (sa !== sb) return sa - sb;
  const ha = healthRank(a);
  const hb = healthRank(b);
  if (ha !== hb) return ha - hb;
  if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
