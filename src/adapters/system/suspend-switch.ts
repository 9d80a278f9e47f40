// The operator-side suspend switch: a small JSON file in the operator's
// work_dir (`suspended.json`: reason, by, at). `gitfleet suspend` writes it,
// `gitfleet resume` removes it, and the running operator reads it on every
// poll, so it survives restarts and needs no connection to the process. It
// is the operator's, not the repository's: nothing in Git can lift it.

import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { SuspendNote } from "../../desired/change-gate.js";

export const SUSPEND_FILE = "suspended.json";

export function suspendFile(workDir: string): string {
  return path.join(workDir, SUSPEND_FILE);
}

/** The switch as set, or undefined when not suspended. A file that is not JSON still suspends. */
export async function readSuspend(workDir: string): Promise<SuspendNote | undefined> {
  let text: string;
  try {
    text = await readFile(suspendFile(workDir), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    return { reason: `suspend file unreadable: ${(err as Error).message}` };
  }
  try {
    const doc = JSON.parse(text) as Record<string, unknown>;
    const at = typeof doc["at"] === "string" ? Date.parse(doc["at"]) : NaN;
    return {
      ...(typeof doc["reason"] === "string" && doc["reason"] !== "" ? { reason: doc["reason"] } : {}),
      ...(typeof doc["by"] === "string" ? { by: doc["by"] } : {}),
      ...(Number.isFinite(at) ? { at } : {}),
    };
  } catch {
    return {};
  }
}

export async function writeSuspend(
  workDir: string,
  reason: string | undefined,
  now: number,
): Promise<SuspendNote> {
  const note = { by: `${os.userInfo().username}@${os.hostname()}`, at: now, ...(reason ? { reason } : {}) };
  const file = suspendFile(workDir);
  const doc = { reason: note.reason ?? "", by: note.by, at: new Date(now).toISOString() };
  await mkdir(workDir, { recursive: true });
  // Written whole then renamed: the operator never reads half a file.
  await writeFile(`${file}.tmp`, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
  await rename(`${file}.tmp`, file);
  return note;
}

/** True when a switch was removed. */
export async function clearSuspend(workDir: string): Promise<boolean> {
  const file = suspendFile(workDir);
  const was = (await readSuspend(workDir)) !== undefined;
  await rm(file, { force: true });
  return was;
}
