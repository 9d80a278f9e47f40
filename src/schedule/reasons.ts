// Human wording for rejections and moves, and the "0/3 hosts available: ..."
// summary of an unschedulable service.

import type { Constraint, ServiceSpec } from "../model/spec.js";
import type { HostInfo } from "./hosts.js";
import type { MoveCode, RejectCode, Rejection, Unschedulable } from "./types.js";

const FIXED: Partial<Record<RejectCode, string>> = {
  "host-down": "host down",
  "host-unknown": "host not reporting",
  "host-probation": "host on probation",
  "host-draining": "host draining",
  "host-not-in-cluster": "host not in cluster",
  "insufficient-cpu": "insufficient cpu",
  "insufficient-memory": "insufficient memory",
};

export function rejectDetail(code: RejectCode, spec: ServiceSpec, extra?: string): string {
  if (code === "constraint") return `constraint ${extra ?? "?"}`;
  if (code === "port-in-use") return `port ${extra ?? "?"} in use`;
  if (code === "max-replicas-per-node")
    return `max replicas per node (${spec.deploy.placement.maxReplicasPerNode})`;
  return FIXED[code] ?? code;
}

export function moveReason(code: MoveCode, host: string, extra?: string): string {
  switch (code) {
    case "host-down":
      return `host ${host} is down`;
    case "host-draining":
      return `host ${host} is draining`;
    case "host-not-in-cluster":
      return `host ${host} is no longer in the cluster`;
    case "constraint":
      return `constraint ${extra ?? "?"} no longer holds on ${host}`;
    case "insufficient-cpu":
      return `${host} has insufficient cpu`;
    case "insufficient-memory":
      return `${host} has insufficient memory`;
    case "port-in-use":
      return `port ${extra ?? "?"} on ${host} is taken`;
    case "max-replicas-per-node":
      return `more replicas on ${host} than max_replicas_per_node allows`;
    case "rebalance":
      return `rebalance: ${extra ?? "restore even spread"}`;
    case "oom-killed":
      return extra ?? `its replica was OOM-killed on ${host}`;
  }
}

export function constraintRaw(c: Constraint): string {
  return c.raw.length > 0 ? c.raw : `${c.key} ${c.op} ${c.value}`;
}

/** Tally of per-host rejections into the sorted reasons list. */
export class RejectionTally {
  private readonly counts = new Map<string, { code: RejectCode; hosts: number }>();

  add(code: RejectCode, detail: string): void {
    const e = this.counts.get(detail);
    if (e === undefined) this.counts.set(detail, { code, hosts: 1 });
    else e.hosts++;
  }

  reasons(): Rejection[] {
    return [...this.counts.entries()]
      .map(([detail, e]) => ({ code: e.code, detail, hosts: e.hosts }))
      .sort((a, b) => b.hosts - a.hosts || (a.detail < b.detail ? -1 : a.detail > b.detail ? 1 : 0));
  }
}

export function unschedulableOf(
  spec: ServiceSpec,
  slots: readonly string[],
  hosts: readonly HostInfo[],
  available: number,
  reasons: readonly Rejection[],
): Unschedulable {
  const list = reasons.map((r) => `${r.hosts} ${r.detail}`).join(", ");
  const head =
    spec.deploy.mode === "global"
      ? `${slots.length} eligible ${slots.length === 1 ? "host cannot" : "hosts cannot"} run it`
      : `${available}/${hosts.length} hosts available`;
  return {
    service: spec.name,
    slots,
    hostsTotal: hosts.length,
    hostsAvailable: available,
    reasons,
    message: list.length > 0 ? `${head}: ${list}` : head,
  };
}
