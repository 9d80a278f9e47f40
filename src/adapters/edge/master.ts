// Seamless reload through HAProxy's master CLI (`haproxy -W -S <socket>`):
// `reload` makes the master re-execute itself with the new file; the new
// worker takes over the listening sockets (expose-fd listeners) and the old
// one finishes its connections. HAProxy 2.6 answers nothing to `reload`, so
// success is read from `show proc`: the reload counter moves, the failed
// counter does not, and a new worker is listed.

import { systemTime } from "../system/clock.js";
import { parseShowProc, type ProcInfo } from "../../edge/runtime-parse.js";
import { EdgeError } from "./errors.js";
import { socketCommand } from "./socket-cli.js";

export async function showProc(masterSocket: string, timeoutMs = 5000): Promise<ProcInfo> {
  const text = await socketCommand(masterSocket, "show proc", { timeoutMs });
  const info = parseShowProc(text);
  if (info === undefined)
    throw new EdgeError("edge-socket", `${masterSocket}: unexpected "show proc" answer`, { detail: text });
  return info;
}

export interface ReloadResult {
  readonly before: ProcInfo;
  readonly after: ProcInfo;
}

export async function reloadViaMaster(
  masterSocket: string,
  opts: { timeoutMs?: number } = {},
): Promise<ReloadResult> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const before = await showProc(masterSocket);
  try {
    await socketCommand(masterSocket, "reload", { timeoutMs });
  } catch (err) {
    // The master may drop the connection as it re-executes; `show proc` tells what happened.
    if (!(err instanceof EdgeError) || err.code !== "edge-socket") throw err;
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const after = await showProc(masterSocket).catch(() => undefined); // refused while re-executing
    if (after !== undefined && after.failedReloads > before.failedReloads) {
      throw new EdgeError(
        "edge-reload-failed",
        `HAProxy refused the new configuration; the previous one keeps serving`,
      );
    }
    const fresh = after?.workers.filter((pid) => !before.workers.includes(pid)) ?? [];
    if (after !== undefined && after.reloads > before.reloads && fresh.length > 0) return { before, after };
    if (Date.now() > deadline)
      throw new EdgeError("edge-timeout", `${masterSocket}: reload not confirmed within ${timeoutMs} ms`);
    await systemTime.sleep(50);
  }
}
