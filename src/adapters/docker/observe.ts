// Rebuild ObservedReplicas from what Docker reports: identity from labels
// only (nothing is persisted by the operator), state from list + inspect.
// Inspect is costly per container, so its result is cached and redone only
// when the list shows a change of state or health for that container.

import type { ContainerInfo, ContainerInspectInfo } from "dockerode";
import type { Health, ObservedReplica } from "../../model/observed.js";
import { LABELS, containerState } from "../../model/observed.js";
import { clusterNetworkName, stackNetworkName } from "../../model/names.js";

/** What only inspect tells us. */
export interface InspectDetail {
  readonly createdAt: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly exitCode?: number;
  readonly oomKilled?: boolean;
  readonly dockerRestarts: number;
  readonly health: Health;
}

/** The list entry's state plus the health part of its status line: a change means inspect again. */
export function listKey(info: ContainerInfo): string {
  const health = /\((healthy|unhealthy|health: starting)\)/.exec(info.Status)?.[1] ?? "";
  return `${info.State}|${health}`;
}

/** Is this one of our replicas (not the edge, not half-labelled)? */
export function isReplica(labels: Readonly<Record<string, string>> | undefined): boolean {
  if (labels === undefined) return false;
  const role = labels[LABELS.role];
  return (
    (role === undefined || role === "replica") &&
    !!labels[LABELS.service] &&
    !!labels[LABELS.slot] &&
    !!labels[LABELS.specHash]
  );
}

export function detailFromInspect(i: ContainerInspectInfo): InspectDetail {
  const health = i.State.Health?.Status;
  const startedAt = dockerTime(i.State.StartedAt);
  const finishedAt = dockerTime(i.State.FinishedAt);
  const stopped = i.State.Status === "exited" || i.State.Status === "dead";
  return {
    createdAt: dockerTime(i.Created) ?? 0,
    ...(startedAt !== undefined ? { startedAt } : {}),
    ...(finishedAt !== undefined ? { finishedAt } : {}),
    ...(stopped ? { exitCode: i.State.ExitCode } : {}),
    ...(stopped && i.State.OOMKilled ? { oomKilled: true } : {}),
    dockerRestarts: i.RestartCount,
    health: health === "healthy" || health === "unhealthy" || health === "starting" ? health : "none",
  };
}

export function toReplica(
  host: string,
  info: ContainerInfo,
  detail: InspectDetail,
  imagePorts?: readonly string[],
): ObservedReplica {
  const labels = info.Labels;
  const ports: Record<string, number> = {};
  for (const p of info.Ports) {
    const key = `${p.PrivatePort}/${p.Type}`;
    if (p.PublicPort && ports[key] === undefined) ports[key] = p.PublicPort;
  }
  const carried = Number.parseInt(labels[LABELS.restarts] ?? "0", 10);
  const epoch = Number.parseInt(labels[LABELS.epoch] ?? "", 10);
  return {
    id: info.Id,
    name: (info.Names[0] ?? "").replace(/^\//, ""),
    host,
    service: labels[LABELS.service] ?? "",
    slot: labels[LABELS.slot] ?? "",
    specHash: labels[LABELS.specHash] ?? "",
    ...(info.Image !== "" ? { image: info.Image } : {}),
    commit: labels[LABELS.commit] ?? "",
    state: containerState(info.State),
    health: detail.health,
    createdAt: detail.createdAt || info.Created * 1000,
    ...(detail.startedAt !== undefined ? { startedAt: detail.startedAt } : {}),
    ...(detail.finishedAt !== undefined ? { finishedAt: detail.finishedAt } : {}),
    ...(detail.exitCode !== undefined ? { exitCode: detail.exitCode } : {}),
    ...(detail.oomKilled === true ? { oomKilled: true } : {}),
    restartCount: (Number.isFinite(carried) ? carried : 0) + detail.dockerRestarts,
    ...(Number.isSafeInteger(epoch) && epoch > 0 ? { epoch } : {}),
    ...(imagePorts !== undefined ? { imagePorts } : {}),
    publishedPorts: ports,
    ...clusterAddressOf(info),
  };
}

/**
 * The container's IPv4 address on its cluster's network (the edge on the same host dials it
 * there), and on each stack network it joined (that network's names edge dials it there). A
 * stack's replica is not on the cluster network: its first stack network's address stands in
 * (the ingress edge, on the host's network, reaches every bridge).
 */
function clusterAddressOf(info: ContainerInfo): {
  clusterAddress?: string;
  networkAddresses?: Record<string, string>;
} {
  const cluster = info.Labels[LABELS.cluster];
  if (cluster === undefined) return {};
  // The list may leave NetworkSettings out for containers being removed.
  const networks = (info.NetworkSettings as Partial<ContainerInfo["NetworkSettings"]> | undefined)?.Networks;
  const prefix = stackNetworkName(cluster, "");
  const stack: Record<string, string> = {};
  for (const [name, n] of Object.entries(networks ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (name.startsWith(prefix) && n.IPAddress) stack[name.slice(prefix.length)] = n.IPAddress;
  }
  const ip = networks?.[clusterNetworkName(cluster)]?.IPAddress || Object.values(stack)[0];
  return {
    ...(ip !== undefined && ip !== "" ? { clusterAddress: ip } : {}),
    ...(Object.keys(stack).length > 0 ? { networkAddresses: stack } : {}),
  };
}

/** Docker writes "0001-01-01T00:00:00Z" for "never". */
function dockerTime(s: string | undefined): number | undefined {
  if (s === undefined || s.startsWith("0001-")) return undefined;
  const t = Date.parse(s);
  return Number.isFinite(t) && t > 0 ? t : undefined;
}

export class InspectCache {
  private entries = new Map<string, { key: string; detail: InspectDetail }>();

  get(info: ContainerInfo): InspectDetail | undefined {
    const e = this.entries.get(info.Id);
    return e !== undefined && e.key === listKey(info) ? e.detail : undefined;
  }

  set(info: ContainerInfo, detail: InspectDetail): void {
    this.entries.set(info.Id, { key: listKey(info), detail });
  }

  /** Forget containers that are gone. */
  retain(ids: ReadonlySet<string>): void {
    for (const id of [...this.entries.keys()]) if (!ids.has(id)) this.entries.delete(id);
  }
}
