// The plan report for people on a terminal (markdown.ts writes it for a pull
// request). It says first when the plan is partial or would be rejected, so it
// cannot be mistaken for a clean plan.

import { formatFieldChange } from "../../plan/diff.js";
import type { PlanReport, ServiceReport, TaskReport } from "./report.js";

export function renderText(r: PlanReport): string {
  const out: string[] = [];
  if (r.observed_from !== undefined) {
    const o = r.observed_from;
    out.push(
      `Planned against the status branch as of ${o.status_commit.slice(0, 12)} (${o.status_time}, ${o.age_seconds}s old), not the live hosts: as fresh as that commit.`,
      "",
    );
  }
  if (r.partial) {
    out.push("PARTIAL PLAN: these hosts were not observed; nothing is planned on them:");
    for (const h of r.unobserved_hosts) out.push(`  ${h.host}: ${h.error}`);
    out.push("");
  }
  if (r.rejected !== undefined)
    out.push(`REJECTED: the operator would hold this commit: ${r.rejected.message}`, "");
  out.push(r.summary);
  for (const s of r.services) {
    out.push("", `${s.name}  (${s.action})`);
    for (const line of fieldLines(s)) out.push(`  ${line}`);
    for (const t of s.tasks)
      out.push(`  ${t.change.padEnd(8)}${s.name}/${t.slot} on ${taskWhere(t)}: ${t.reason}`);
    if (s.held !== undefined) out.push(`  held: ${s.held}`);
    if (s.unschedulable !== undefined) out.push(`  cannot schedule ${slots(s)}: ${s.unschedulable.message}`);
  }
  if (r.port_conflicts.length > 0) {
    out.push("", "Port conflicts (not served as specified):");
    for (const c of r.port_conflicts) out.push(`  ${c.service}: ${c.message}`);
  }
  return `${out.join("\n")}\n`;
}

function fieldLines(s: ServiceReport): string[] {
  if (s.fields.length > 0) return s.fields.map(formatFieldChange);
  if (s.spec_from !== undefined && s.spec_to !== undefined) {
    return [
      `~ spec ${s.spec_from.slice(0, 8)} -> ${s.spec_to.slice(0, 8)} (the running spec's commit is not in this repository: fields unknown)`,
    ];
  }
  return [];
}

function taskWhere(t: TaskReport): string {
  return t.from_host !== undefined ? `${t.host} (from ${t.from_host})` : t.host;
}

function slots(s: ServiceReport): string {
  return (s.unschedulable?.slots ?? []).map((slot) => `${s.name}/${slot}`).join(", ");
}
