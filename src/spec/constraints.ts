// Swarm placement constraints ("node.labels.zone == eu-1") parsed once, and
// matched against hosts by the validator here and by the scheduler later.

import type { Constraint, HostSpec } from "../model/spec.js";

const CONSTRAINT = /^\s*(node\.(?:hostname|id|labels\.[A-Za-z0-9_.-]+))\s*(==|!=)\s*([^\s=!]\S*)\s*$/;

export function parseConstraint(raw: string): Constraint | undefined {
  const m = CONSTRAINT.exec(raw);
  if (!m) return undefined;
  const [, key, op, value] = m;
  if (key === undefined || value === undefined || (op !== "==" && op !== "!=")) return undefined;
  return { key, op, value, raw: raw.trim() };
}

/** The host's value for a constraint key; undefined for a label the host does not have. */
export function hostValue(host: HostSpec, key: string): string | undefined {
  if (key === "node.hostname" || key === "node.id") return host.name;
  if (key.startsWith("node.labels.")) return host.labels[key.slice("node.labels.".length)];
  return undefined;
}

/** As Swarm: a missing label never equals a value, and always differs from it. */
export function satisfies(host: HostSpec, constraint: Constraint): boolean {
  const actual = hostValue(host, constraint.key);
  const equal = actual === constraint.value;
  return constraint.op === "==" ? equal : !equal;
}

export function satisfiesAll(host: HostSpec, constraints: readonly Constraint[]): boolean {
  return constraints.every((c) => satisfies(host, c));
}
