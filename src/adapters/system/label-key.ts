// The key that makes container labels of services with env_secrets keyed
// hashes (desired/secret-digests.ts). It lives in the operator's secret
// store as operator/label-key and is made on first start: 32 random bytes,
// mode 0600, in a folder of mode 0700. Losing it only means replicas that use
// secrets are replaced once.

import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { DirectorySecretStore } from "./secret-store.js";

export const LABEL_KEY_SECRET = "operator/label-key";

/** The key, created when absent. */
export async function ensureLabelKey(store: DirectorySecretStore): Promise<Buffer> {
  const existing = await readLabelKey(store);
  if (existing !== undefined) return existing;
  const file = store.path(LABEL_KEY_SECRET);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    // wx: two operators starting at once keep whichever key was written first.
    await writeFile(file, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600, flag: "wx" });
  } catch (err) {
    if ((err as { code?: unknown }).code !== "EEXIST") throw err;
  }
  const made = await readLabelKey(store);
  if (made === undefined) throw new Error(`${file} could not be created`);
  return made;
}

/** The key when the store has one (gitfleet plan reads, never writes). */
export async function readLabelKey(store: DirectorySecretStore): Promise<Buffer | undefined> {
  const text = await store.get(LABEL_KEY_SECRET);
  return text === undefined || text === "" ? undefined : Buffer.from(text, "utf8");
}
