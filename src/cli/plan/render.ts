// The plan report for people: plain text on a terminal, markdown for a pull
// request comment. Both say first when the plan is partial or would be
// rejected, so neither can be mistaken for a clean plan.

import { formatFieldChange } from "../../plan/diff.js";
import { specPlace } from "../../spec/errors.js";
import type { PlanReport, ServiceReport, TaskReport } from "./report.js";

export function renderText(r: PlanReport): string {
  const out: string[] = [];
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

export function renderMarkdown(r: PlanReport): string {
  const out: string[] = ["## gitfleet plan", ""];
  if (r.partial) {
    out.push(
      "> [!WARNING]",
      "> **Partial plan**: these hosts were not observed; nothing is planned on them.",
    );
    for (const h of r.unobserved_hosts) out.push(`> - \`${h.host}\`: ${cell(h.error)}`);
    out.push("");
  }
  if (r.rejected !== undefined) {
    out.push(
      "> [!CAUTION]",
      `> **Rejected**: the operator would hold this commit: ${cell(r.rejected.message)}`,
      "",
    );
  }
  out.push(`**${cell(r.summary)}**`, "");
  for (const s of r.services) {
    out.push(`### \`${s.name}\` (${s.action})`, "");
    const fields = fieldLines(s);
    if (fields.length > 0) out.push("```diff", ...fields, "```", "");
    if (s.tasks.length > 0) {
      out.push("| change | replica | host | why |", "| --- | --- | --- | --- |");
      for (const t of s.tasks)
        out.push(`| ${t.change} | \`${s.name}/${t.slot}\` | ${taskWhere(t)} | ${cell(t.reason)} |`);
      out.push("");
    }
    if (s.held !== undefined) out.push(`Held: ${cell(s.held)}`, "");
    if (s.unschedulable !== undefined)
      out.push(`Cannot schedule ${slots(s)}: ${cell(s.unschedulable.message)}`, "");
  }
  if (r.port_conflicts.length > 0) {
    out.push("### Port conflicts (not served as specified)", "");
    for (const c of r.port_conflicts) out.push(`- \`${c.service}\`: ${cell(c.message)}`);
    out.push("");
  }
  if (r.warnings.length > 0) {
    out.push("### Warnings", "");
    for (const w of r.warnings) out.push(`- \`${specPlace(w)}\` ${cell(w.message)} (\`${w.code}\`)`);
    out.push("");
  }
  return `${out.join("\n").trimEnd()}\n`;
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

/** Markdown-safe inline text: no table breaks, no HTML. */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/</g, "&lt;").replace(/\n/g, " ");
}
