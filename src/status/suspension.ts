// The suspend switch as status shows it: `suspended:` in status/cluster.yaml
// (written only while suspended or unknown), the line in STATUS.md, and the
// `suspended` field of `gitfleet status --json` (always there). One shape for
// all three, snake_case and ISO times, so the JSON is the file read back.

import type { SuspendHold, SuspendState } from "../model/suspend.js";
import { isoTime } from "./format.js";

export interface HoldView {
  /** "file" (an operator's work_dir) or "etcd" (the fleet's key in a standby group). */
  readonly switch: string;
  /** The file's path or the etcd key. */
  readonly where: string;
  readonly reason: string | null;
  readonly by: string | null;
  /** ISO time the switch was set. */
  readonly at: string | null;
}

export interface SuspensionView {
  /** "suspended" | "not-suspended" | "unknown" (a switch could not be read: never read as not suspended). */
  readonly state: string;
  /** Why it is unknown: a stable code (etcd-unreachable, etcd-bad-response) and "code: message". */
  readonly error_code?: string;
  readonly error?: string;
  /** What holds new commits back (when unknown: what was seen, maybe not all). */
  readonly holds: readonly HoldView[];
  /** Files a later `gitfleet resume` lifted: they no longer hold (live reads only). */
  readonly lifted?: readonly HoldView[];
}

export function suspensionView(s: SuspendState): SuspensionView {
  const holds = s.state === "not-suspended" ? [] : s.holds.map(holdView);
  return {
    state: s.state,
    ...(s.state === "unknown" ? { error_code: s.code, error: s.error } : {}),
    holds,
    ...(s.state !== "unknown" && s.lifted.length > 0 ? { lifted: s.lifted.map(holdView) } : {}),
  };
}

function holdView(h: SuspendHold): HoldView {
  return {
    switch: h.switch,
    where: h.where,
    reason: h.note.reason ?? null,
    by: h.note.by ?? null,
    at: h.note.at !== undefined ? isoTime(h.note.at) : null,
  };
}

/** What status/cluster.yaml holds: nothing when not suspended (the file stays as it was). */
export function suspensionDoc(s: SuspendState | undefined): Record<string, unknown> | undefined {
  if (s === undefined || s.state === "not-suspended") return undefined;
  const { lifted: _lifted, ...doc } = suspensionView(s);
  return doc;
}

/** `suspended:` read back; a status written without it says not suspended. */
export function readSuspension(raw: unknown): SuspensionView {
  if (typeof raw !== "object" || raw === null) return { state: "not-suspended", holds: [] };
  const doc = raw as Record<string, unknown>;
  const state = typeof doc["state"] === "string" ? doc["state"] : "unknown";
  const holds = Array.isArray(doc["holds"]) ? doc["holds"].flatMap(readHold) : [];
  return {
    state,
    ...(typeof doc["error_code"] === "string" ? { error_code: doc["error_code"] } : {}),
    ...(typeof doc["error"] === "string" ? { error: doc["error"] } : {}),
    holds,
  };
}

function readHold(raw: unknown): HoldView[] {
  if (typeof raw !== "object" || raw === null) return [];
  const h = raw as Record<string, unknown>;
  const s = (k: string): string | null => (typeof h[k] === "string" ? (h[k] as string) : null);
  return [
    { switch: s("switch") ?? "?", where: s("where") ?? "?", reason: s("reason"), by: s("by"), at: s("at") },
  ];
}

/** One line for people: "suspended by ops@h1 at ...: incident 42 (etcd key k, file f)", or why unknown. */
export function suspensionText(v: SuspensionView): string | undefined {
  if (v.state === "not-suspended") return undefined;
  const where = v.holds.map((h) => `${h.switch === "etcd" ? "etcd key" : "file"} ${h.where}`).join(", ");
  if (v.state === "unknown")
    return (
      `unknown: the suspend switch could not be read (${v.error ?? "?"}); new commits wait` +
      (where !== "" ? `; seen set: ${where}` : "")
    );
  const first = v.holds[0];
  const who = first?.by != null ? ` by ${first.by}` : "";
  const when = first?.at != null ? ` at ${first.at}` : "";
  const why = first?.reason != null ? `: ${first.reason}` : "";
  return `suspended${who}${when}${why} (${where}); new commits wait until gitfleet resume`;
}
