// explain(): the plan as a pull-request reviewer reads it. Per service (by
// name), per host (by name): what is created, updated, moved, restarted,
// removed, and what cannot be scheduled. Deterministic: same plan, same text.

import type { UpdateConfig } from "../model/spec.js";
import { compareSlots } from "../schedule/slots.js";
import type { Placement, Unschedulable } from "../schedule/types.js";
import type { ChangeKind, Plan, Rollout, Task } from "./types.js";

export const NO_CHANGES = "No changes. The cluster matches the desired state.";
const KINDS: readonly ChangeKind[] = ["create", "update", "move", "restart", "remove"];

export function explain(plan: Plan, placement: Placement): string {
  const rollouts = new Map(plan.rollouts.map((r) => [r.service, r]));
  const unsched = new Map(placement.unschedulable.map((u) => [u.service, u]));
  const held = new Map(plan.held.map((h) => [h.service, h]));
  if (rollouts.size === 0 && unsched.size === 0 && held.size === 0) return NO_CHANGES;
  const names = [...new Set([...rollouts.keys(), ...unsched.keys(), ...held.keys()])].sort(byName);
  const lines: string[] = [headline(plan, placement.unschedulable), ""];
  for (const name of names) {
    const r = rollouts.get(name);
    lines.push(r === undefined ? name : `${name}  (${describeRollout(r)})`);
    const h = held.get(name);
    if (h !== undefined) lines.push(`  held at spec ${h.specHash.slice(0, 8)}: ${h.reason}`);
    if (r !== undefined) lines.push(...rolloutLines(r));
    const u = unsched.get(name);
    if (u !== undefined) lines.push(unschedulableLine(u));
    lines.push("");
  }
  return lines.join("\n").trimEnd() + "\n";
}

function headline(plan: Plan, unschedulable: readonly Unschedulable[]): string {
  const counts = new Map<ChangeKind, number>();
  for (const r of plan.rollouts)
    for (const t of tasksOf(r)) counts.set(t.change, (counts.get(t.change) ?? 0) + 1);
  const parts = KINDS.filter((k) => counts.has(k)).map((k) => `${counts.get(k) ?? 0} ${k}`);
  const n = plan.rollouts.length;
  let head =
    n === 0
      ? "No changes planned."
      : `${n} ${n === 1 ? "service changes" : "services change"}: ${parts.join(", ")}.`;
  const stuck = unschedulable.reduce((sum, u) => sum + u.slots.length, 0);
  if (stuck > 0) head += ` ${stuck} ${stuck === 1 ? "replica cannot" : "replicas cannot"} be scheduled.`;
  return head;
}

function rolloutLines(r: Rollout): string[] {
  const byHost = new Map<string, Task[]>();
  for (const t of tasksOf(r)) byHost.set(t.host, [...(byHost.get(t.host) ?? []), t]);
  const lines: string[] = [];
  for (const host of [...byHost.keys()].sort(byName)) {
    lines.push(`  ${host}`);
    const tasks = (byHost.get(host) ?? []).sort(
      (a, b) => KINDS.indexOf(a.change) - KINDS.indexOf(b.change) || compareSlots(a.slot, b.slot),
    );
    for (const t of tasks) lines.push(`    ${t.change.padEnd(8)}${r.service}/${t.slot}  ${taskDetail(t)}`);
  }
  // One line per image: a held service's failover may pull the last healthy spec's image.
  for (const image of [...new Set(r.prepare.map((p) => p.image))].sort()) {
    const hosts = r.prepare.filter((p) => p.image === image).map((p) => p.host);
    lines.push(`  pull ${image} on ${hosts.join(", ")}`);
  }
  return lines;
}

function taskDetail(t: Task): string {
  if (t.change === "move") return `from ${t.from ?? "?"}: ${t.reason}`;
  return t.reason;
}

function unschedulableLine(u: Unschedulable): string {
  const slots = u.slots.map((s) => `${u.service}/${s}`).join(", ");
  return `  cannot schedule ${slots}: ${u.message}`;
}

function describeRollout(r: Rollout): string {
  const parts = [r.reason];
  if (r.batches.some((b) => b.rolling)) parts.push(`rolling: ${describeConfig(r.updateConfig)}`);
  if (r.waitFor.length > 0) parts.push(`after ${r.waitFor.join(", ")}`);
  return parts.join("; ");
}

export function describeConfig(c: UpdateConfig): string {
  const parts = [
    `parallelism ${c.parallelism === 0 ? "all" : c.parallelism}`,
    c.order,
    `delay ${duration(c.delayMs)}`,
    `monitor ${duration(c.monitorMs)}`,
    `on failure ${c.failureAction}`,
  ];
  if (c.maxFailureRatio > 0) parts.push(`max failure ratio ${c.maxFailureRatio}`);
  return parts.join(", ");
}

export function duration(ms: number): string {
  if (ms === 0) return "0s";
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0)
    return ms > 60_000 ? `${Math.floor(ms / 60_000)}m${(ms % 60_000) / 1000}s` : `${ms / 1000}s`;
  return `${ms}ms`;
}

function tasksOf(r: Rollout): Task[] {
  return r.batches.flatMap((b) => b.tasks);
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
