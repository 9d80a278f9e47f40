// Which transitions a pass makes worth telling (pure): a new desired commit
// (pending), that commit applied and healthy, a commit rejected, a service's
// rollout rolled back or paused, a host down or up again, Git unreachable for
// longer than the bound (and back). Each is told once: notices are keyed by
// (commit, service, outcome), and the keys already told are remembered, so a
// state that lasts many passes is one notice. A commit whose rollout failed
// is never told as applied: a rollback is never a success.

import { summarise } from "../status/index.js";
import type { PassReport } from "./pass-report.js";

export type NoticeOutcome =
  | "pending"
  | "applied"
  | "rejected"
  | "rolled-back"
  | "paused"
  | "host-down"
  | "host-up"
  | "git-unreachable"
  | "git-reachable";

export interface Notice {
  /** (commit, service, outcome), or the host or outage it is about: the same key is never told twice. */
  readonly key: string;
  readonly outcome: NoticeOutcome;
  readonly cluster: string;
  readonly commit?: string;
  readonly service?: string;
  readonly host?: string;
  /** When the pass that saw it ended (ms since epoch). */
  readonly at: number;
  /** One line for people: no links, no secrets (reasons as status says them). */
  readonly message: string;
}

export interface NoticeMemory {
  /** Keys told, oldest first (bounded). */
  readonly told: readonly string[];
  readonly hostsDown: ReadonlySet<string>;
  /** The outage told as unreachable (its start). */
  readonly gitTold?: number;
}

export const EMPTY_NOTICE_MEMORY: NoticeMemory = { told: [], hostsDown: new Set() };

/** Enough for every service of a few hundred commits; older keys cannot come back. */
const TOLD_KEPT = 2_000;

// eslint-disable-next-line max-lines-per-function -- every kind of notice a pass can give, each told once, in one place against one memory
export function transitions(
  memory: NoticeMemory,
  report: PassReport,
  bounds: { readonly gitStaleAfterMs: number },
): { notices: Notice[]; memory: NoticeMemory } {
  const status = report.status;
  if (status === undefined) return { notices: [], memory };
  const model = summarise(status);
  const cluster = status.cluster;
  const at = report.at;
  const told = new Set(memory.told);
  const notices: Notice[] = [];
  const tell = (n: Omit<Notice, "cluster" | "at">): void => {
    if (told.has(n.key)) return;
    told.add(n.key);
    notices.push({ ...n, cluster, at });
  };

  const rejected = status.rejected;
  if (rejected !== undefined) {
    const first = rejected.errors[0];
    const why = first !== undefined ? `: ${first.path}:${first.line}:${first.col}: ${first.message}` : "";
    const count = rejected.errors.length > 1 ? ` (${rejected.errors.length} errors)` : "";
    tell({
      key: `${rejected.commit}||rejected`,
      outcome: "rejected",
      commit: rejected.commit,
      message: `commit rejected (${rejected.reason})${count}${why}`,
    });
  }

  const commit = status.desired?.commit;
  if (commit !== undefined) {
    tell({ key: `${commit}||pending`, outcome: "pending", commit, message: "applying" });
    let failed = [...told].some((k) => k.startsWith(`${commit}|`) && isFailure(k));
    for (const s of model.services) {
      if (s.state !== "rolled-back" && s.state !== "paused") continue;
      tell({
        key: `${commit}|${s.name}|${s.state}`,
        outcome: s.state,
        commit,
        service: s.name,
        message: `rollout of ${s.name} ${s.state === "paused" ? "paused" : "rolled back"}`,
      });
      failed = true;
    }
    if (!failed && model.appliedCommit === commit && status.error === undefined) {
      const replicas = model.services.reduce((n, s) => n + s.healthy, 0);
      tell({
        key: `${commit}||applied`,
        outcome: "applied",
        commit,
        message: `applied and healthy: ${model.services.length} services, ${replicas} replicas`,
      });
    }
  }

  const hostsDown = new Set(model.hosts.filter((h) => h.state === "down").map((h) => h.name));
  for (const h of hostsDown)
    if (!memory.hostsDown.has(h))
      notices.push({
        key: `host|${h}|down|${at}`,
        outcome: "host-down",
        cluster,
        host: h,
        at,
        message: `host ${h} is down`,
      });
  for (const h of memory.hostsDown)
    if (!hostsDown.has(h) && model.hosts.some((x) => x.name === h))
      notices.push({
        key: `host|${h}|up|${at}`,
        outcome: "host-up",
        cluster,
        host: h,
        at,
        message: `host ${h} is up again`,
      });

  let gitTold = memory.gitTold;
  const outage = status.outage;
  if (outage !== undefined && at - outage.since > bounds.gitStaleAfterMs && gitTold !== outage.since) {
    gitTold = outage.since;
    const minutes = Math.round((at - outage.since) / 60_000);
    notices.push({
      key: `git|unreachable|${outage.since}`,
      outcome: "git-unreachable",
      cluster,
      at,
      message: `Git unreachable for ${minutes} min: ${outage.error}`,
    });
  } else if (outage === undefined && gitTold !== undefined) {
    notices.push({
      key: `git|reachable|${at}`,
      outcome: "git-reachable",
      cluster,
      at,
      message: "Git answers again",
    });
    gitTold = undefined;
  }

  const kept = [...told].slice(-TOLD_KEPT);
  return {
    notices,
    memory: { told: kept, hostsDown, ...(gitTold !== undefined ? { gitTold } : {}) },
  };
}

function isFailure(key: string): boolean {
  return key.endsWith("|rolled-back") || key.endsWith("|paused");
}
