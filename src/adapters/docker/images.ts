// Images on one host: is it there, pull it (bounded by the pull deadline,
// not the short call deadline), or both.

import type { HostContext } from "./context.js";
import { DockerError } from "./errors.js";
import { pullImage, type PullProgress } from "./pull.js";

export async function imageExists(ctx: HostContext, image: string): Promise<boolean> {
  try {
    await ctx.calls.run("inspect-image", () => ctx.docker.getImage(image).inspect(), { lane: "read" });
    return true;
  } catch (err) {
    if (err instanceof DockerError && (err.code === "not-found" || err.code === "image-not-found"))
      return false;
    throw err;
  }
}

export async function pull(
  ctx: HostContext,
  image: string,
  onProgress?: (p: PullProgress) => void,
): Promise<void> {
  await ctx.calls.run(
    "pull",
    (signal) =>
      pullImage(ctx.streaming, image, {
        signal,
        secrets: ctx.secrets,
        logger: ctx.logger,
        ...(onProgress ? { onProgress } : {}),
      }),
    { timeoutMs: ctx.pullTimeoutMs, lane: "pull" },
  );
}

export async function ensureImage(
  ctx: HostContext,
  image: string,
  onProgress?: (p: PullProgress) => void,
): Promise<"present" | "pulled"> {
  if (await imageExists(ctx, image)) return "present";
  await pull(ctx, image, onProgress);
  return "pulled";
}
