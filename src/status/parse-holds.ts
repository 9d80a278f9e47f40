// Reads back the held rollouts from the status files the operator last
// committed (status/services/<name>.yaml with `state: paused | rolled-back`
// and `spec_hash`: the full hash of the desired spec it would not roll out).
// A restarted operator seeds its holds from them, so a broken spec is not
// tried again just because the process lost its memory. The files may be
// hand-edited or written by an older version: anything unexpected is skipped.

import { parse } from "yaml";

export type HeldPhase = "paused" | "rolled-back";

export interface HoldRecord {
  readonly service: string;
  readonly specHash: string;
  readonly phase: HeldPhase;
  readonly reason?: string;
}

const SERVICE_FILE = /^status\/services\/([^/]+)\.yaml$/;

/** Hold records from status files (path → content), sorted by service. */
export function parseHolds(files: ReadonlyMap<string, string>): HoldRecord[] {
  const holds: HoldRecord[] = [];
  for (const [path, content] of files) {
    const service = SERVICE_FILE.exec(path)?.[1];
    if (service === undefined) continue;
    const hold = holdOf(service, content);
    if (hold !== undefined) holds.push(hold);
  }
  return holds.sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0));
}

function holdOf(service: string, content: string): HoldRecord | undefined {
  let doc: unknown;
  try {
    doc = parse(content);
  } catch {
    return undefined;
  }
  if (!isRecord(doc)) return undefined;
  const phase = doc["state"];
  const specHash = doc["spec_hash"];
  if (phase !== "paused" && phase !== "rolled-back") return undefined;
  if (typeof specHash !== "string" || specHash === "") return undefined;
  // A file copied under another name describes another service: not this one's hold.
  if (doc["name"] !== undefined && doc["name"] !== service) return undefined;
  const reason = lastMessage(doc["events"], phase);
  return { service, specHash, phase, ...(reason !== undefined ? { reason } : {}) };
}

/** The message of the newest event of this kind (events are written newest first). */
function lastMessage(events: unknown, kind: HeldPhase): string | undefined {
  if (!Array.isArray(events)) return undefined;
  for (const e of events as unknown[]) {
    if (isRecord(e) && e["kind"] === kind && typeof e["message"] === "string") return e["message"];
  }
  return undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
