// `gitfleet status` for a terminal: the status branch's view as aligned
// tables (no colours, no box drawing: it is read in CI logs and pasted into
// chats). Pure: the view and the status commit's age in, text out.

import type { StatusView } from "../../status/readback.js";
import { suspensionText } from "../../status/suspension.js";

export interface TableInput {
  readonly view: StatusView;
  readonly statusCommit: string;
  /** ISO time of the status commit. */
  readonly statusTime: string;
  /** "3m 12s": how long ago the status commit was made. */
  readonly age: string;
  readonly where: string;
}

// eslint-disable-next-line max-lines-per-function -- the table's lines top to bottom, as printed
export function renderStatusTable(t: TableInput): string {
  const v = t.view;
  const out: string[] = [];
  out.push(`cluster ${v.cluster ?? "?"}: ${v.sync ?? "unknown"}`);
  out.push(
    `as of status commit ${t.statusCommit.slice(0, 12)} (${t.statusTime}, ${t.age} ago) on ${t.where}`,
  );
  if (v.desired !== undefined)
    out.push(`desired  ${v.desired.commit.slice(0, 12)}  ${v.desired.message ?? ""}`.trimEnd());
  if (v.applied !== undefined) out.push(`applied  ${v.applied.slice(0, 12)}`);
  if (v.waiting !== undefined)
    out.push(`waiting  ${v.waiting.commit.slice(0, 12)}  ${v.waiting.message ?? ""}: ${v.waiting.reason}`);
  const suspended = suspensionText(v.suspended);
  if (suspended !== undefined) out.push(`suspend  ${suspended}`);
  if (v.rejected !== undefined) {
    out.push(`rejected ${v.rejected.commit.slice(0, 12)}  (${v.rejected.reason})`);
    for (const e of v.rejected.errors) out.push(`  ${e}`);
  }
  if (v.git !== undefined) out.push(`git unreachable since ${v.git.since ?? "?"}: ${v.git.error ?? ""}`);
  if (v.error !== undefined) out.push(`error: ${v.error}`);
  out.push("");
  out.push(
    ...table(
      ["HOST", "STATE", "ADDRESS", "REPLICAS"],
      v.hosts.map((h) => [
        h.name,
        h.probation ? `${h.state} (probation)` : h.state,
        h.address ?? "",
        String(h.replicas),
      ]),
    ),
  );
  out.push("");
  out.push(
    ...table(
      ["SERVICE", "STATE", "DESIRED", "RUNNING", "HEALTHY", "UPDATED", "IMAGE", "COMMIT"],
      v.services.map((s) => [
        s.name,
        s.state,
        String(s.desired),
        String(s.running),
        String(s.healthy),
        String(s.updated),
        s.image ?? "",
        (s.appliedCommit ?? "").slice(0, 12),
      ]),
    ),
  );
  const unschedulable = v.services.filter((s) => s.unschedulable.length > 0);
  if (unschedulable.length > 0) {
    out.push("", "unschedulable:");
    for (const s of unschedulable) for (const u of s.unschedulable) out.push(`  ${s.name}: ${u}`);
  }
  return `${out.join("\n")}\n`;
}

/** Columns padded to their widest cell, two spaces apart. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(head), ...rows.map(line)];
}
