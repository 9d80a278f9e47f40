// The plan as one document: what `plan --format json` prints as is, and what
// the text and markdown renderers read. Field names are snake_case and part of
// the JSON contract (format_version); the planner's internal types are not.

import type { PortConflict } from "../../edge/index.js";
import type { DesiredState, SpecError } from "../../model/spec.js";
import { diffService, type FieldChange } from "../../plan/diff.js";
import type { Plan, Task } from "../../plan/index.js";
import { compareSlots } from "../../schedule/slots.js";
import type { Placement } from "../../schedule/types.js";
import { diagnostic, type Diagnostic } from "../diagnostics.js";
import type { Baseline } from "./baseline.js";

export const PLAN_FORMAT_VERSION = 1;

export { diagnostic, type Diagnostic } from "../diagnostics.js";

export interface TaskReport {
  readonly change: Task["change"];
  readonly slot: string;
  readonly host: string;
  readonly from_host?: string;
  readonly reason: string;
}

export interface ServiceReport {
  readonly name: string;
  /** create: new service; remove: gone from the desired state; update: anything else that differs. */
  readonly action: "create" | "update" | "remove";
  /** Field-level changes against what runs; empty when unknown (see spec_from / spec_to). */
  readonly fields: readonly FieldChange[];
  /** Set when the running spec could not be read back: only the hashes are known. */
  readonly spec_from?: string;
  readonly spec_to?: string;
  readonly tasks: readonly TaskReport[];
  readonly held?: string;
  readonly unschedulable?: { readonly slots: readonly string[]; readonly message: string };
}

export interface UnobservedHost {
  readonly host: string;
  readonly error: string;
}

export interface DeletionGuardReport {
  readonly message: string;
  readonly removed_services: readonly string[];
}

export interface PlanReport {
  readonly format_version: number;
  /** Some hosts could not be observed (only with --allow-partial): nothing is planned on them. */
  readonly partial: boolean;
  /** --against status: the cluster as the status branch recorded it, as fresh as that commit. */
  readonly observed_from?: {
    readonly source: "status";
    readonly status_commit: string;
    readonly status_time: string;
    readonly age_seconds: number;
  };
  /** Work the operator would do now (create, update, move, restart, remove). */
  readonly changes: boolean;
  readonly unobserved_hosts: readonly UnobservedHost[];
  readonly services: readonly ServiceReport[];
  /** Set when the operator would hold this commit as Rejected (guarded deletion). */
  readonly rejected?: DeletionGuardReport;
  /** Ingress ports a host's edge cannot serve: a container that is not ours holds them there. */
  readonly port_conflicts: readonly {
    readonly service: string;
    readonly host: string;
    readonly port: number;
    readonly owner: string;
    readonly message: string;
  }[];
  readonly warnings: readonly Diagnostic[];
  readonly errors: readonly Diagnostic[];
  /** The headline: "2 services change: 1 create, 3 update." */
  readonly summary: string;
}

export interface ReportInput {
  readonly desired: DesiredState;
  readonly plan: Plan;
  readonly placement: Placement;
  readonly unobserved: ReadonlyMap<string, string>;
  readonly baselines: ReadonlyMap<string, Baseline>;
  readonly warnings: readonly SpecError[];
  readonly rejected?: DeletionGuardReport;
  readonly summary: string;
  readonly portConflicts?: readonly PortConflict[];
}

// eslint-disable-next-line max-lines-per-function -- one report entry per service from the plan's maps; the literal is the JSON contract's shape
export function planReport(i: ReportInput): PlanReport {
  const rollouts = new Map(i.plan.rollouts.map((r) => [r.service, r]));
  const held = new Map(i.plan.held.map((h) => [h.service, h.reason]));
  const unsched = new Map(i.placement.unschedulable.map((u) => [u.service, u]));
  const desired = new Map(i.desired.services.map((s) => [s.name, s]));
  const names = new Set([...rollouts.keys(), ...held.keys(), ...unsched.keys()]);
  for (const s of i.desired.services) {
    const base = i.baselines.get(s.name);
    if (base === undefined || base.specHash !== s.specHash) names.add(s.name);
    else if (base.spec !== undefined && diffService(base.spec, s).length > 0) names.add(s.name);
  }
  const services: ServiceReport[] = [];
  for (const name of [...names].sort()) {
    const spec = desired.get(name);
    const base = i.baselines.get(name);
    const r = rollouts.get(name);
    const u = unsched.get(name);
    const tasks = (r?.batches.flatMap((b) => b.tasks) ?? [])
      .sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : compareSlots(a.slot, b.slot)))
      .map(taskReport);
    const action = spec === undefined ? "remove" : base === undefined ? "create" : "update";
    const known = base?.spec !== undefined && spec !== undefined;
    const fields = known && base.spec !== undefined ? diffService(base.spec, spec) : [];
    const hashes =
      action === "update" &&
      !known &&
      spec !== undefined &&
      base !== undefined &&
      base.specHash !== spec.specHash
        ? { spec_from: base.specHash, spec_to: spec.specHash }
        : {};
    services.push({
      name,
      action,
      fields,
      ...hashes,
      tasks,
      ...(held.has(name) ? { held: held.get(name) ?? "" } : {}),
      ...(u !== undefined ? { unschedulable: { slots: u.slots, message: u.message } } : {}),
    });
  }
  return {
    format_version: PLAN_FORMAT_VERSION,
    partial: i.unobserved.size > 0,
    changes: i.plan.rollouts.length > 0,
    unobserved_hosts: [...i.unobserved].map(([host, error]) => ({ host, error })),
    services,
    ...(i.rejected !== undefined ? { rejected: i.rejected } : {}),
    port_conflicts: (i.portConflicts ?? []).map((c) => ({
      service: c.service,
      host: c.host,
      port: c.port,
      owner: c.owner,
      message: c.message,
    })),
    warnings: i.warnings.map(diagnostic),
    errors: [],
    summary: i.summary,
  };
}

function taskReport(t: Task): TaskReport {
  return {
    change: t.change,
    slot: t.slot,
    host: t.host,
    ...(t.from !== undefined ? { from_host: t.from } : {}),
    reason: t.reason,
  };
}

export interface PlanCounts {
  /** Replicas created (new services, scale up, new hosts of a global service). */
  readonly add: number;
  /** Replicas replaced, moved or restarted. */
  readonly change: number;
  /** Replicas removed (scale down, services gone). */
  readonly destroy: number;
  /** Replicas the scheduler could not place. */
  readonly unschedulable: number;
}

/** Terraform's three numbers, counted in replicas (gitfleet's resources). */
export function planCounts(r: Pick<PlanReport, "services">): PlanCounts {
  let add = 0;
  let change = 0;
  let destroy = 0;
  let unschedulable = 0;
  for (const s of r.services) {
    unschedulable += s.unschedulable?.slots.length ?? 0;
    for (const t of s.tasks) {
      if (t.change === "create") add++;
      else if (t.change === "remove") destroy++;
      else change++;
    }
  }
  return { add, change, destroy, unschedulable };
}
