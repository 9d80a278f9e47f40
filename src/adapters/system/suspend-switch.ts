// The operator-side suspend switch: a small JSON file in the operator's
// work_dir (`suspended.json`: reason, by, at). `gitfleet suspend` writes it,
// `gitfleet resume` removes it, and the running operator reads it on every
// poll, so it survives restarts and needs no connection to the process. It
// is the operator's, not the repository's: nothing in Git can lift it. With
// standby operators the same note is also kept in etcd (../etcd/etcd-suspend.ts),
// in the same JSON form, so that it holds whichever instance leads.

import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { SuspendHold, SuspendNote } from "../../model/suspend.js";

export const SUSPEND_FILE = "suspended.json";

export function suspendFile(workDir: string): string {
  return path.join(workDir, SUSPEND_FILE);
}

/** Who sets the switch, as status shows it: `user@host`. */
export function suspendNote(reason: string | undefined, now: number): SuspendNote {
  return { by: `${os.userInfo().username}@${os.hostname()}`, at: now, ...(reason ? { reason } : {}) };
}

/**
 * The stored form, file and etcd alike: `{"reason": "...", "by": "user@host", "at": "<ISO 8601>"}`,
 * and in a standby's file the etcd `revision` the fleet's switch was set at.
 */
export function formatSuspendNote(note: SuspendNote): string {
  const at = note.at !== undefined ? new Date(note.at).toISOString() : undefined;
  const doc = {
    reason: note.reason ?? "",
    by: note.by ?? "",
    ...(at !== undefined ? { at } : {}),
    ...(note.revision !== undefined ? { revision: note.revision } : {}),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/**
 * What a stored switch says. Anything stored still suspends, even text that is not
 * JSON: a switch someone set by hand must not be ignored for its spelling.
 */
export function parseSuspendNote(text: string): SuspendNote {
  let doc: Record<string, unknown>;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== "object" || parsed === null) return {};
    doc = parsed as Record<string, unknown>;
  } catch {
    return {};
  }
  const at = typeof doc["at"] === "string" ? Date.parse(doc["at"]) : NaN;
  return {
    ...(typeof doc["reason"] === "string" && doc["reason"] !== "" ? { reason: doc["reason"] } : {}),
    ...(typeof doc["by"] === "string" ? { by: doc["by"] } : {}),
    ...(Number.isFinite(at) ? { at } : {}),
    ...(Number.isSafeInteger(doc["revision"]) ? { revision: doc["revision"] as number } : {}),
  };
}

/**
 * The switch as set, or undefined when not suspended. A file that is not JSON still suspends;
 * one without a time is as old as its last change (what a resume mark is compared with).
 */
export async function readSuspend(workDir: string): Promise<SuspendNote | undefined> {
  const file = suspendFile(workDir);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    return { reason: `suspend file unreadable: ${(err as Error).message}` };
  }
  const note = parseSuspendNote(text);
  if (note.at !== undefined) return note;
  const mtime = await stat(file).then(
    (s) => s.mtimeMs,
    () => undefined,
  );
  return mtime === undefined ? note : { ...note, at: mtime };
}

/** Whether the work_dir is on this machine: else its switch cannot be seen from here (absent is not "off"). */
export async function workDirHere(workDir: string): Promise<boolean> {
  return stat(workDir).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** The work_dir file as a hold (undefined when absent). */
export async function fileHold(workDir: string): Promise<SuspendHold | undefined> {
  const note = await readSuspend(workDir);
  return note === undefined ? undefined : { switch: "file", where: suspendFile(workDir), note };
}

export async function writeSuspend(workDir: string, note: SuspendNote): Promise<void> {
  const file = suspendFile(workDir);
  await mkdir(workDir, { recursive: true });
  // Written whole then renamed: the operator never reads half a file.
  await writeFile(`${file}.tmp`, formatSuspendNote(note), { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}

/** True when a switch was removed. */
export async function clearSuspend(workDir: string): Promise<boolean> {
  const file = suspendFile(workDir);
  const was = (await readSuspend(workDir)) !== undefined;
  await rm(file, { force: true });
  return was;
}
