// Field-level differences between two versions of a service, as a reviewer
// reads them: `~ image: "web:1" -> "web:2"`, `+ environment.LOG_LEVEL`. Field
// names are the YAML keys people write (snake_case), values in the units they
// write (durations, sizes, CPUs). env_secrets show the secret's name only: a
// value never reaches the desired state, and nothing here may invent one.

import type { ServiceSpec } from "../model/spec.js";
import { duration } from "./explain.js";

export type FieldOp = "+" | "-" | "~";

export interface FieldChange {
  readonly op: FieldOp;
  /** Dotted YAML path: "image", "environment.LOG_LEVEL", "deploy.resources.limits.memory". */
  readonly field: string;
  /** Display form of the old value (absent for "+"). */
  readonly from?: string;
  /** Display form of the new value (absent for "-"). */
  readonly to?: string;
}

/** Keys of the model that carry no user intent (or are shown another way). */
const SKIP = new Set(["specHash", "source", "name"]);
/** Model keys whose YAML spelling is not the plain snake_case of the model key. */
const RENAME: Readonly<Record<string, string>> = {
  envSecrets: "env_secrets",
  secretFiles: "secrets",
  dependsOn: "depends_on",
  updateConfig: "update_config",
  rollbackConfig: "rollback_config",
  restartPolicy: "restart_policy",
  maxReplicasPerNode: "max_replicas_per_node",
  stopGracePeriodMs: "stop_grace_period",
  nanoCpus: "cpus",
  memoryBytes: "memory",
};
/** Maps whose keys are user data: every key is a field of its own. */
const KEYED = new Set(["environment", "env_secrets", "labels"]);

/** Every field that differs, in a stable order (the old spec's key order, then new keys). */
export function diffService(before: ServiceSpec, after: ServiceSpec): FieldChange[] {
  const a = flatten(before);
  const b = flatten(after);
  const out: FieldChange[] = [];
  for (const [field, from] of a) {
    const to = b.get(field);
    if (to === undefined) out.push({ op: "-", field, from });
    else if (to !== from) out.push({ op: "~", field, from, to });
  }
  for (const [field, to] of b) if (!a.has(field)) out.push({ op: "+", field, to });
  return out;
}

/** One line: `~ image: "web:1" -> "web:2"`, `+ environment.LOG_LEVEL: "debug"`, `- labels.team`. */
export function formatFieldChange(c: FieldChange): string {
  if (c.op === "~") return `~ ${c.field}: ${c.from ?? ""} -> ${c.to ?? ""}`;
  if (c.op === "+") return `+ ${c.field}: ${c.to ?? ""}`;
  return `- ${c.field}: ${c.from ?? ""}`;
}

function flatten(spec: ServiceSpec): Map<string, string> {
  const out = new Map<string, string>();
  walk(spec as unknown as Record<string, unknown>, [], out);
  return out;
}

function walk(value: Record<string, unknown>, path: readonly string[], out: Map<string, string>): void {
  for (const [key, v] of Object.entries(value)) {
    if (path.length === 0 && SKIP.has(key)) continue;
    if (v === undefined) continue;
    const name = RENAME[key] ?? snake(key.replace(/Ms$/, ""));
    const here = [...path, name];
    const field = here.join(".");
    if (path.length === 0 && KEYED.has(name) && isRecord(v)) {
      for (const [k, item] of Object.entries(v)) out.set(`${field}.${k}`, JSON.stringify(String(item)));
    } else if (isRecord(v)) {
      walk(v, here, out);
    } else {
      out.set(field, show(key, v));
    }
  }
}

function show(key: string, v: unknown): string {
  if (typeof v === "number") {
    if (key.endsWith("Ms")) return duration(v);
    if (key === "memoryBytes") return v === 0 ? "unlimited" : size(v);
    if (key === "nanoCpus") return v === 0 ? "unlimited" : JSON.stringify(String(v / 1e9));
  }
  if (Array.isArray(v)) return JSON.stringify(v.map((x: unknown) => (isRecord(x) && "raw" in x ? x.raw : x)));
  return JSON.stringify(v);
}

function size(bytes: number): string {
  for (const [unit, n] of [
    ["G", 1024 ** 3],
    ["M", 1024 ** 2],
    ["K", 1024],
  ] as const) {
    if (bytes % n === 0) return `${bytes / n}${unit}`;
  }
  return `${bytes}`;
}

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
