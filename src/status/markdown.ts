// STATUS.md: the same facts for people, as GitHub-flavoured Markdown tables
// that render on any forge.

import { suspensionText, suspensionView } from "./suspension.js";
import { recentEvents } from "./event-log.js";
import { specPlace } from "../spec/errors.js";
import { cpus, humanBytes, isoTime, shortCommit, shortHash, shortId, subject } from "./format.js";
import type { ServiceSummary, StatusModel } from "./summarise.js";
import type { StatusInput } from "./types.js";

export const MARKDOWN_FILE = "STATUS.md";

/**
 * Keeps a service's replica table while its summary is the same object (see status-memo.ts), as
 * one flat string: kept as lines, each a rope of its cells, 10,000 rows held about 6 MiB.
 */
export interface SectionMemo {
  section(s: ServiceSummary, make: () => string): string;
}

export function renderMarkdown(input: StatusInput, model: StatusModel, memo?: SectionMemo): string {
  const out: string[] = [`# gitfleet status: ${cell(input.cluster)}`, ""];
  commits(out, input, model);
  hostsTable(out, model);
  servicesTable(out, model);
  attention(out, input, model);
  for (const s of model.services) {
    const section = memo?.section(s, () => replicaTable(s)) ?? replicaTable(s);
    if (section !== "") out.push(section);
  }
  recentEventsTable(out, input);
  return out.join("\n");
}

/** Sync state, desired and applied commits, and what stands in their way (rejection, outage, error). */
function commits(out: string[], input: StatusInput, model: StatusModel): void {
  out.push(`**Sync:** ${model.sync}`, "");
  if (input.desired) {
    out.push(
      `**Desired commit:** \`${shortCommit(input.desired.commit)}\` ${cell(subject(input.desired.message))} (${cell(input.desired.author)})`,
      "",
    );
  }
  if (model.appliedCommit !== undefined)
    out.push(`**Applied commit:** \`${shortCommit(model.appliedCommit)}\``, "");
  if (input.waitingCommit) {
    const w = input.waitingCommit;
    out.push(
      `> **Waiting commit** \`${shortCommit(w.commit.commit)}\` ${cell(subject(w.commit.message))} since ${isoTime(w.since)}: ${cell(w.reason)}`,
      "",
    );
  }
  const suspended = input.suspension && suspensionText(suspensionView(input.suspension));
  if (suspended) out.push(`> **Suspend:** ${cell(suspended)}`, "");
  if (input.rejected) {
    const r = input.rejected;
    out.push(`> **Rejected commit** \`${shortCommit(r.commit)}\` ${cell(subject(r.message))}: ${r.reason}`);
    for (const e of r.errors) out.push(`> - \`${specPlace(e)}\` ${cell(e.message)}`);
    out.push("");
  }
  if (input.warnings !== undefined && input.warnings.length > 0) {
    out.push(`> **Warnings** in the desired commit:`);
    for (const w of input.warnings) out.push(`> - \`${specPlace(w)}\` ${cell(w.message)} (\`${w.code}\`)`);
    out.push("");
  }
  if (input.outage) {
    out.push(`> **Git unreachable** since ${isoTime(input.outage.since)}: ${cell(input.outage.error)}.`);
    out.push(
      input.outage.fromCache === true
        ? "> The desired state is the last commit this operator accepted, read from its own cache after a restart: it may be stale."
        : "> The desired state shown is the last one fetched.",
      "",
    );
  }
  if (input.error !== undefined) out.push(`> **Error:** ${cell(input.error)}`, "");
}

function hostsTable(out: string[], model: StatusModel): void {
  out.push("## Hosts", "");
  out.push("| Host | State | Address | Replicas | CPUs reserved / total | Memory reserved / total |");
  out.push("|---|---|---|---:|---:|---:|");
  for (const h of model.hosts) {
    const state =
      (h.probation ? `${h.state} (probation)` : h.state) + (h.removed ? " (removed from cluster.yaml)" : "");
    out.push(
      `| ${cell(h.name)} | ${state} | ${cell(h.address)} | ${h.replicas} | ${cpus(h.reserved.nanoCpus)} / ${cpus(h.total.nanoCpus)} | ${humanBytes(h.reserved.memoryBytes)} / ${humanBytes(h.total.memoryBytes)} |`,
    );
  }
  out.push("");
}

function servicesTable(out: string[], model: StatusModel): void {
  out.push("## Services", "");
  out.push("| Service | State | Desired | Running | Healthy | Updated | Image | Spec | Commit |");
  out.push("|---|---|---:|---:|---:|---:|---|---|---|");
  for (const s of model.services) {
    out.push(
      `| ${cell(s.name)} | ${s.state} | ${s.desired} | ${s.running} | ${s.healthy} | ${s.updated} | ${cell(imageCell(s))} | ${code(shortHash(s.specHash ?? ""))} | ${code(shortCommit(s.appliedCommit ?? ""))} |`,
    );
  }
  out.push("");
}

/** The sections that need someone's attention, each only when it has something to say. */
// eslint-disable-next-line max-lines-per-function -- the attention sections in the order they are printed, each only when it has something
function attention(out: string[], input: StatusInput, model: StatusModel): void {
  const unschedulable = model.services.filter((s) => s.unschedulable.length > 0);
  if (unschedulable.length > 0) {
    out.push("## Unschedulable", "");
    for (const s of unschedulable)
      for (const reason of s.unschedulable) out.push(`- **${cell(s.name)}**: ${cell(reason)}`);
    out.push("");
  }

  const notes = model.services.filter((s) => s.notes.length > 0);
  if (notes.length > 0) {
    out.push("## Held with their data", "");
    for (const s of notes) for (const n of s.notes) out.push(`- **${cell(s.name)}**: ${cell(n)}`);
    out.push("");
  }

  const unused = input.unusedVolumes ?? [];
  if (unused.length > 0) {
    out.push("## Volumes no replica uses", "", "gitfleet never deletes a named volume.", "");
    out.push("| Host | Volume | Made for | Size | Why |");
    out.push("|---|---|---|---:|---|");
    for (const v of unused) {
      const size = v.sizeBytes !== undefined ? humanBytes(v.sizeBytes) : "";
      out.push(`| ${cell(v.host)} | ${code(v.volume)} | ${cell(v.owner ?? "")} | ${size} | ${cell(v.why)} |`);
    }
    out.push("");
  }

  const conflicts = model.services.filter((s) => s.portConflicts.length > 0);
  if (conflicts.length > 0) {
    out.push("## Port conflicts", "");
    for (const s of conflicts) for (const c of s.portConflicts) out.push(`- **${cell(s.name)}**: ${cell(c)}`);
    out.push("");
  }

  const held = model.services.filter((s) => s.lastHealthySpec !== undefined);
  if (held.length > 0) {
    out.push("## Held rollouts", "");
    for (const s of held) {
      out.push(
        `- **${cell(s.name)}** ${s.state} at spec ${code(shortHash(s.specHash ?? ""))}: failover and healing use the last healthy spec ${code(shortHash(s.lastHealthySpec ?? ""))}`,
      );
    }
    out.push("");
  }

  const waiting = model.services.flatMap((s) => s.waiting.map((w) => ({ service: s.name, w })));
  if (waiting.length > 0) {
    out.push("## Waiting for a retry", "");
    for (const { service, w } of waiting) {
      const image = w.image !== undefined ? ` ${code(w.image)}` : "";
      out.push(
        `- **${cell(service)}/${cell(w.slot)}** on ${cell(w.host)}: ${w.reason}${image}, ${w.attempts} ${w.attempts === 1 ? "failure" : "failures"} in a row, next retry ${isoTime(w.retryAt)}: ${cell(w.error)}`,
      );
    }
    out.push("");
  }
}

/** A service's section: its replicas and the endpoints in rotation ("" when it has neither). */
function replicaTable(s: ServiceSummary): string {
  const out: string[] = [];
  if (s.replicas.length === 0 && !s.endpoints?.length) return "";
  out.push(`## ${cell(s.name)}`, "");
  if (s.replicas.length > 0) {
    out.push("| Slot | Host | Container | State | Health | Restarts | Spec | Commit |");
    out.push("|---|---|---|---|---|---:|---|---|");
    for (const r of s.replicas) {
      const why = [
        ...(r.exitCode !== undefined && r.state !== "running" ? [String(r.exitCode)] : []),
        ...(r.oomKilled === true && r.state !== "running" ? ["OOM-killed"] : []),
        ...(r.stoppedByOperator === true ? ["stopped by gitfleet"] : []),
      ];
      const state = why.length > 0 ? `${r.state} (${why.join(", ")})` : r.state;
      out.push(
        `| ${cell(r.slot)} | ${cell(r.host)} | ${code(shortId(r.id))} | ${state} | ${r.health} | ${r.restartCount} | ${code(shortHash(r.specHash))} | ${code(shortCommit(r.commit))} |`,
      );
    }
    out.push("");
  }
  for (const e of s.endpoints ?? []) {
    const backends = e.backends.length > 0 ? [...e.backends].sort().join(", ") : "none";
    out.push(`- Published ${e.published}/${e.protocol}: in rotation ${cell(backends)}`);
  }
  if (s.endpoints?.length) out.push("");
  return out.join("\n");
}

function recentEventsTable(out: string[], input: StatusInput): void {
  const events = recentEvents(input.events, input.recentEvents ?? 20);
  if (events.length > 0) {
    out.push("## Recent events", "");
    out.push("| Time (UTC) | Event | Service | Host | Details |");
    out.push("|---|---|---|---|---|");
    for (const e of events) {
      const service =
        e.service !== undefined ? (e.slot !== undefined ? `${e.service}/${e.slot}` : e.service) : "";
      out.push(
        `| ${isoTime(e.time)} | ${e.kind} | ${cell(service)} | ${cell(e.host ?? "")} | ${cell(e.message)}${e.count !== undefined && e.count > 1 ? ` (×${e.count})` : ""} |`,
      );
    }
    out.push("");
  }
}

/** The desired image, and the images the replicas really run when those differ (a pull that failed). */
function imageCell(s: StatusModel["services"][number]): string {
  const desired = s.image ?? "";
  const running = [...new Set(s.replicas.flatMap((r) => (r.image !== undefined ? [r.image] : [])))]
    .filter((i) => i !== desired)
    .sort();
  return running.length === 0 ? desired : `${desired} (running ${running.join(", ")})`;
}

/** Table-safe text: no pipes or newlines breaking the row. */
function cell(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

function code(text: string): string {
  return text === "" ? "" : `\`${text}\``;
}
