// Memory of OOM kills, for the scheduler's ScheduleOptions.avoid. A replica
// the kernel killed for exceeding its memory limit on host H says that H is
// short of memory for that service right now (other tenants, a host smaller
// than it looks): for a cool-down its replacement prefers any other host with
// room. The scheduler is pure and gets only the resulting data; the clock and
// the memory live here.
//
// In memory only: an OOM-killed container still present after an operator
// restart is noticed again, but one already replaced is forgotten (the worst
// case is a replacement back on H, which OOM-kills and moves again).

import type { ObservedReplica } from "../../model/observed.js";

/** How long a host is avoided for a service after one of its replicas was OOM-killed there. */
export const OOM_AVOID_MS = 10 * 60_000;

export interface OomKill {
  readonly service: string;
  readonly slot: string;
  readonly host: string;
  /** When it was killed (Docker's FinishedAt), ms since epoch. */
  readonly at: number;
}

export class OomAvoidance {
  /** service → host → time of the latest kill there. */
  private readonly kills = new Map<string, Map<string, number>>();
  /** Containers already noted, so a kill is reported once. */
  private readonly noted = new Set<string>();

  constructor(private readonly cooldownMs = OOM_AVOID_MS) {}

  /** Notes the OOM-killed replicas among those observed; returns the kills not seen before. */
  note(replicas: readonly ObservedReplica[], now: number): OomKill[] {
    const fresh: OomKill[] = [];
    for (const r of replicas) {
      if (r.oomKilled !== true || this.noted.has(r.id)) continue;
      this.noted.add(r.id);
      const at = r.finishedAt ?? now;
      if (at + this.cooldownMs <= now) continue; // long ago: says nothing about the host today
      const hosts = this.kills.get(r.service) ?? new Map<string, number>();
      hosts.set(r.host, Math.max(hosts.get(r.host) ?? 0, at));
      this.kills.set(r.service, hosts);
      fresh.push({ service: r.service, slot: r.slot, host: r.host, at });
    }
    // Forget containers no longer there: their ids never come back.
    const ids = new Set(replicas.map((r) => r.id));
    for (const id of [...this.noted]) if (!ids.has(id)) this.noted.delete(id);
    return fresh;
  }

  /** service → host → why, for the hosts still in their cool-down; older kills are forgotten. */
  avoid(now: number): Map<string, Map<string, string>> {
    const out = new Map<string, Map<string, string>>();
    for (const [service, hosts] of this.kills) {
      for (const [host, at] of hosts) {
        if (at + this.cooldownMs <= now) {
          hosts.delete(host);
          continue;
        }
        const mine = out.get(service) ?? new Map<string, string>();
        mine.set(host, `OOM-killed on ${host} at ${clockTime(at)}`);
        out.set(service, mine);
      }
      if (hosts.size === 0) this.kills.delete(service);
    }
    return out;
  }
}

/** "16:40:02Z": enough to match the kill with the host's and the operator's logs. */
function clockTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 19)}Z`;
}
