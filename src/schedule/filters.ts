// The filters, in the order their reasons are reported: host state, constraints,
// max_replicas_per_node, host-mode ports, memory, cpu. Static ones (state and
// constraints) are cached per constraint set, since most services share one.

import type { ServiceSpec } from "../model/spec.js";
import { failingConstraint } from "./constraints.js";
import type { HostInfo } from "./hosts.js";
import { constraintRaw } from "./reasons.js";
import type { RejectCode } from "./types.js";
import { foreignContainer } from "./usage.js";
import type { Ctx, ServiceWork } from "./work.js";

export interface Reject {
  readonly code: RejectCode;
  /** The constraint or port concerned. */
  readonly extra?: string;
}

/** State and constraint filters: may this host ever take new replicas of spec in this pass? */
export function staticReject(host: HostInfo, spec: ServiceSpec): Reject | undefined {
  if (host.blocked !== undefined) return { code: host.blocked };
  const c = failingConstraint(host, spec.deploy.placement.constraints);
  return c === undefined ? undefined : { code: "constraint", extra: constraintRaw(c) };
}

/** May this host take one more replica of the service now (svcCount = its replicas there)? */
export function dynamicReject(ctx: Ctx, work: ServiceWork, host: HostInfo): Reject | undefined {
  const max = work.spec.deploy.placement.maxReplicasPerNode;
  if (max > 0 && (ctx.svcCount[host.index] ?? 0) >= max) return { code: "max-replicas-per-node" };
  if (work.ports.length > 0) {
    const port = ctx.usage.portTaken(host.index, work.ports);
    if (port !== undefined) return { code: "port-in-use", extra: portHolder(ctx, host.index, port) };
  }
  const cap = ctx.usage.capacityReject(host, work.spec);
  return cap === undefined ? undefined : { code: cap };
}

/** "8080/tcp", or "8080/tcp (container squatter)" when a container that is not ours holds it. */
export function portHolder(ctx: Ctx, h: number, port: string): string {
  const container = foreignContainer(ctx.usage.portOwner(h, port));
  return container === undefined ? port : `${port} (container ${container})`;
}

export function fullReject(ctx: Ctx, work: ServiceWork, host: HostInfo): Reject | undefined {
  return staticReject(host, work.spec) ?? dynamicReject(ctx, work, host);
}

/** Services with equal keys have the same statically eligible hosts. */
export function eligibilityKey(spec: ServiceSpec): string {
  const constraints = spec.deploy.placement.constraints;
  if (constraints.length === 0) return "";
  return constraints.map((c) => `${c.key}\u0000${c.op}\u0000${c.value}`).join("\u0001");
}

/** Indexes of hosts passing the static filters for spec, ascending (= by name). */
export function eligibleHosts(ctx: Ctx, spec: ServiceSpec, key = eligibilityKey(spec)): Int32Array {
  const cached = ctx.eligibleCache.get(key);
  if (cached !== undefined) return cached;
  const out: number[] = [];
  for (const host of ctx.hosts.hosts) if (staticReject(host, spec) === undefined) out.push(host.index);
  const arr = Int32Array.from(out);
  ctx.eligibleCache.set(key, arr);
  return arr;
}
