// The plan as pull request comments, the way Atlantis posts a Terraform plan:
// a marker a CI job finds to update its sticky comment, the headline
// `Plan: N to add, M to change, K to destroy.`, then per service a heading, its
// field-level diff, and its replica changes folded in <details>; the reasons
// for replicas that cannot be scheduled stay visible. Forges refuse a comment
// over 65,536 characters, so a long plan is split into numbered parts, each
// under the limit, cut between services (a huge service between table rows).

import { formatFieldChange } from "../../plan/diff.js";
import { specPlace } from "../../spec/errors.js";
import { planCounts, type PlanReport, type ServiceReport, type TaskReport } from "./report.js";

/** GitHub's limit for an issue or pull request comment (also Gitea's default); in characters. */
export const COMMENT_LIMIT = 65_536;
/** Every part starts with it: the CI snippet finds (and updates) its own comments by it. */
export const COMMENT_MARKER = "<!-- gitfleet-plan";

export interface CommentOptions {
  /** Characters per comment (default COMMENT_LIMIT). */
  readonly limit?: number;
  /** Where the desired state came from, shown under the headline ("abc1234 on main", "status of 10:42"). */
  readonly against?: string;
}

/** One or more comments, each under the limit; one when the plan fits. */
export function renderComments(r: PlanReport, options: CommentOptions = {}): string[] {
  const limit = options.limit ?? COMMENT_LIMIT;
  // Room for the part header ("part 12 of 12") and the joining newlines.
  const budget = limit - header(r, options, 99, 99).length - 64;
  const blocks = [...preamble(r), ...r.services.flatMap((s) => serviceBlocks(s, budget)), ...trailer(r)];
  const parts: string[][] = [[]];
  let size = 0;
  for (const block of blocks) {
    const current = parts[parts.length - 1] ?? [];
    if (size + block.length + 2 > budget && current.length > 0) {
      parts.push([block]);
      size = block.length + 2;
    } else {
      current.push(block);
      size += block.length + 2;
    }
  }
  return parts.map((p, i) => `${header(r, options, i + 1, parts.length)}${p.join("\n\n")}\n`);
}

/** All parts as one document (stdout): the parts one after the other. */
export function renderMarkdown(r: PlanReport, options: CommentOptions = {}): string {
  return renderComments(r, options).join("\n");
}

function header(r: PlanReport, options: CommentOptions, part: number, of: number): string {
  const c = planCounts(r);
  const lines = [
    `${COMMENT_MARKER}${of > 1 ? ` part ${part} of ${of}` : ""} -->`,
    `## gitfleet plan${of > 1 ? ` (part ${part} of ${of})` : ""}`,
    "",
    `**Plan: ${c.add} to add, ${c.change} to change, ${c.destroy} to destroy.**` +
      (c.unschedulable > 0 ? ` ${replicas(c.unschedulable)} cannot be scheduled.` : ""),
  ];
  if (options.against !== undefined) lines.push("", `Planned against ${cell(options.against)}.`);
  return `${lines.join("\n")}\n\n`;
}

function preamble(r: PlanReport): string[] {
  const out: string[] = [];
  if (r.partial) {
    out.push(
      [
        "> [!WARNING]",
        "> **Partial plan**: these hosts were not observed; nothing is planned on them.",
        ...r.unobserved_hosts.map((h) => `> - \`${h.host}\`: ${cell(h.error)}`),
      ].join("\n"),
    );
  }
  if (r.rejected !== undefined) {
    out.push(
      [
        "> [!CAUTION]",
        `> **Rejected**: the operator would hold this commit: ${cell(r.rejected.message)}`,
      ].join("\n"),
    );
  }
  if (r.services.length === 0 && r.port_conflicts.length === 0) {
    out.push("No changes: the hosts run what this commit asks for.");
  } else out.push(cell(r.summary));
  return out;
}

/** A service's heading, diff and reasons, then its replica table folded (in slices when it is huge). */
function serviceBlocks(s: ServiceReport, budget: number): string[] {
  const c = planCounts({ services: [s] });
  const head = [
    `### \`${s.name}\` ${s.action}: ${c.add} to add, ${c.change} to change, ${c.destroy} to destroy`,
  ];
  const fields = fieldLines(s);
  if (fields.length > 0) head.push("", "```diff", ...fields.map((f) => f.replace(/```/g, "ˋˋˋ")), "```");
  if (s.held !== undefined) head.push("", `**Held:** ${cell(s.held)}`);
  if (s.unschedulable !== undefined) {
    const slots = s.unschedulable.slots.map((slot) => `\`${s.name}/${slot}\``).join(", ");
    head.push("", `**Cannot schedule** ${slots}: ${cell(s.unschedulable.message)}`);
  }
  if (s.tasks.length === 0) return [head.join("\n")];
  const rows = s.tasks.map(
    (t) => `| ${t.change} | \`${s.name}/${t.slot}\` | ${where(t)} | ${cell(t.reason)} |`,
  );
  const slices: string[][] = [[]];
  let size = head.join("\n").length + 200;
  for (const row of rows) {
    const current = slices[slices.length - 1] ?? [];
    if (size + row.length + 1 > budget && current.length > 0) {
      slices.push([row]);
      size = 200 + row.length;
    } else {
      current.push(row);
      size += row.length + 1;
    }
  }
  return slices.map((slice, i) => {
    const what = slices.length > 1 ? ` (${i + 1} of ${slices.length})` : "";
    const table = [
      `<details><summary>${replicas(slice.length)}: ${kinds(s.tasks)}${what}</summary>`,
      "",
      "| change | replica | host | why |",
      "| --- | --- | --- | --- |",
      ...slice,
      "",
      "</details>",
    ];
    return i === 0
      ? [...head, "", ...table].join("\n")
      : [`### \`${s.name}\` (continued)`, "", ...table].join("\n");
  });
}

function trailer(r: PlanReport): string[] {
  const out: string[] = [];
  if (r.port_conflicts.length > 0) {
    out.push(
      [
        "### Port conflicts (not served as specified)",
        "",
        ...r.port_conflicts.map((c) => `- \`${c.service}\`: ${cell(c.message)}`),
      ].join("\n"),
    );
  }
  if (r.warnings.length > 0) {
    out.push(
      [
        "### Warnings",
        "",
        ...r.warnings.map((w) => `- \`${specPlace(w)}\` ${cell(w.message)} (\`${w.code}\`)`),
      ].join("\n"),
    );
  }
  return out;
}

function kinds(tasks: readonly TaskReport[]): string {
  const n = new Map<string, number>();
  for (const t of tasks) n.set(t.change, (n.get(t.change) ?? 0) + 1);
  return [...n].map(([k, v]) => `${v} ${k}`).join(", ");
}

function replicas(n: number): string {
  return `${n} replica${n === 1 ? "" : "s"}`;
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

function where(t: TaskReport): string {
  return t.from_host !== undefined ? `${t.host} (from ${t.from_host})` : t.host;
}

/** Markdown-safe inline text: no table breaks, no HTML. */
function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/</g, "&lt;").replace(/\n/g, " ");
}
