// Who this operator is, for the cluster lock: an instance id kept in its work
// dir (so the same operator, restarted, is recognised and takes its own lock
// back at once), the machine, the process and its start time.

import { randomUUID } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import type { LockIdentity } from "../../model/lock.js";

const INSTANCE_FILE = "instance-id";
const UUID = /^[0-9a-f-]{36}$/;

/** The instance id in `workDir`, created on first use. */
export async function instanceId(workDir: string): Promise<string> {
  const file = path.join(workDir, INSTANCE_FILE);
  const existing = (await readFile(file, "utf8").catch(() => "")).trim();
  if (UUID.test(existing)) return existing;
  await mkdir(workDir, { recursive: true });
  const id = randomUUID();
  await writeFile(file, `${id}\n`, { mode: 0o644 });
  return id;
}

export async function operatorIdentity(workDir: string, started = Date.now()): Promise<LockIdentity> {
  return { instance: await instanceId(workDir), host: hostname(), pid: process.pid, started };
}

/** Whether a process with this pid exists on this machine (EPERM: it exists, someone else's). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: unknown }).code === "EPERM";
  }
}
