// Swarm placement constraints: node.hostname, node.id (the host name here) and
// node.labels.<key>, with == and !=. A missing label never equals anything,
// so "!=" holds on a host without the label, as in Swarm.

import type { Constraint } from "../model/spec.js";
import type { HostInfo } from "./hosts.js";

export function nodeAttribute(host: HostInfo, key: string): string | undefined {
  if (key === "node.hostname" || key === "node.id") return host.name;
  if (key.startsWith("node.labels.")) return host.labels[key.slice("node.labels.".length)];
  return undefined;
}

export function constraintHolds(host: HostInfo, c: Constraint): boolean {
  const equal = nodeAttribute(host, c.key) === c.value;
  return c.op === "==" ? equal : !equal;
}

/** The first constraint that does not hold on the host, if any. */
export function failingConstraint(
  host: HostInfo,
  constraints: readonly Constraint[],
): Constraint | undefined {
  for (const c of constraints) if (!constraintHolds(host, c)) return c;
  return undefined;
}
