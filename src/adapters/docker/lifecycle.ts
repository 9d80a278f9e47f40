// start / stop / remove, idempotent: Docker's 304 (already started/stopped)
// and 404 (no such container) mean the wanted state already holds.

import type { HostContext } from "./context.js";
import { DockerError } from "./errors.js";

const is = (err: unknown, ...codes: string[]): boolean =>
  err instanceof DockerError && codes.includes(err.code);

export async function startContainer(ctx: HostContext, id: string): Promise<"started" | "already-running"> {
  try {
    await ctx.calls.run("start", (signal) => ctx.api.start(id, { signal }));
    return "started";
  } catch (err) {
    if (is(err, "not-modified")) return "already-running";
    throw err;
  }
}

/** Stop with the grace period (then SIGKILL); the deadline grows by the grace period. */
export async function stopContainer(
  ctx: HostContext,
  id: string,
  graceMs: number,
): Promise<"stopped" | "already-stopped" | "gone"> {
  const t = Math.ceil(graceMs / 1000);
  try {
    // The request's own deadline grows by the grace period as the call's does.
    const timeoutMs = ctx.callTimeoutMs + t * 1000;
    await ctx.calls.run("stop", (signal) => ctx.api.stop(id, t, { signal, timeoutMs }), { timeoutMs });
    return "stopped";
  } catch (err) {
    if (is(err, "not-modified")) return "already-stopped";
    if (is(err, "not-found")) return "gone";
    throw err;
  }
}

/** Force-remove, with anonymous volumes (named volumes stay). */
export async function removeContainer(ctx: HostContext, id: string): Promise<"removed" | "gone"> {
  try {
    await ctx.calls.run("remove", (signal) => ctx.api.remove(id, { force: true, v: true }, { signal }));
    return "removed";
  } catch (err) {
    // 409 here means "removal already in progress": it will be gone.
    if (is(err, "not-found", "conflict")) return "gone";
    throw err;
  }
}
