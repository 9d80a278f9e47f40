// An EdgeTarget for an HAProxy on this machine: the configuration file, a
// marker beside it holding the fingerprint of what was last applied (so an
// operator restart does not reload for nothing), the master socket for
// reloads and the stats socket for the runtime API.

import { randomBytes } from "node:crypto";
import { open, readFile, rename, rm } from "node:fs/promises";
import { checkHaproxyConfig } from "../../../src/adapters/edge/check.js";
import { reloadViaMaster } from "../../../src/adapters/edge/master.js";
import { socketCommand } from "../../../src/adapters/edge/socket-cli.js";
import type { EdgeTarget } from "../../../src/ports/edge.js";

export interface LocalEdgeOptions {
  readonly configPath: string;
  /** The master CLI (`haproxy -W -S <path>`). */
  readonly masterSocket: string;
  /** The worker's stats socket, as rendered in the configuration's `stats socket`. */
  readonly statsSocket: string;
  readonly haproxyBin?: string;
  readonly timeoutMs?: number;
}

/** Write-then-rename in the same directory: atomic on POSIX filesystems. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.${randomBytes(6).toString("hex")}.tmp`;
  const handle = await open(tmp, "w", 0o644);
  try {
    await handle.writeFile(text, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export function localEdgeTarget(opts: LocalEdgeOptions): EdgeTarget {
  const marker = `${opts.configPath}.applied`;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  return {
    name: `local ${opts.configPath}`,
    check: (config) =>
      checkHaproxyConfig(config, {
        ...(opts.haproxyBin !== undefined ? { bin: opts.haproxyBin } : {}),
        timeoutMs,
      }),
    appliedHash: async () => {
      try {
        return (await readFile(marker, "utf8")).trim() || undefined;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw err;
      }
    },
    writeConfig: (config) => writeFileAtomic(opts.configPath, config),
    reload: async () => {
      await reloadViaMaster(opts.masterSocket, { timeoutMs });
    },
    markApplied: (hash) => writeFileAtomic(marker, `${hash}\n`),
    runtime: (command) => socketCommand(opts.statsSocket, command, { timeoutMs }),
  };
}
