// Images on one host: is it there, pull it (bounded by the pull deadline,
// not the short call deadline), or both.

import type { ImageInspectInfo } from "dockerode";
import type { HostContext } from "./context.js";
import { DockerError } from "./errors.js";
import { pullImage, type PullProgress } from "./pull.js";

/** The image's inspect, or undefined when the host does not have it. */
export async function inspectImage(ctx: HostContext, image: string): Promise<ImageInspectInfo | undefined> {
  try {
    return await ctx.calls.run("inspect-image", (signal) => ctx.api.inspectImage(image, { signal }), {
      lane: "read",
    });
  } catch (err) {
    if (err instanceof DockerError && (err.code === "not-found" || err.code === "image-not-found"))
      return undefined;
    throw err;
  }
}

export async function imageExists(ctx: HostContext, image: string): Promise<boolean> {
  return (await inspectImage(ctx, image)) !== undefined;
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
