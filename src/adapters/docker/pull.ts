// Pulling an image: progress to a callback (and the log at debug level),
// registry credentials from the secret store, errors in the stream (Docker
// reports many pull failures inside a 200 response) turned into DockerErrors.

import type Docker from "dockerode";
import type { Logger } from "pino";
import type { SecretStore } from "../../ports/index.js";
import { registryAuth } from "./registry-auth.js";

export interface PullProgress {
  readonly image: string;
  /** Docker's status line: "Pulling fs layer", "Downloading", "Pull complete"... */
  readonly status: string;
  /** The layer, when the line is about one. */
  readonly layer?: string;
  readonly current?: number;
  readonly total?: number;
}

interface RawProgress {
  status?: string;
  id?: string;
  error?: string;
  errorDetail?: { message?: string };
  progressDetail?: { current?: number; total?: number };
}

export interface PullOptions {
  readonly signal: AbortSignal;
  readonly secrets: SecretStore | undefined;
  readonly logger: Logger;
  readonly onProgress?: (p: PullProgress) => void;
}

/** Resolves once the image is on the host; rejects with an error carrying statusCode when Docker refused. */
export async function pullImage(docker: Docker, image: string, opts: PullOptions): Promise<void> {
  const auth = await registryAuth(image, opts.secrets);
  const started = Date.now();
  opts.logger.info({ image, auth: auth !== undefined }, "pulling image");
  const stream = (await docker.pull(image, {
    ...(auth ? { authconfig: auth } : {}),
    abortSignal: opts.signal,
  })) as NodeJS.ReadableStream & { destroy?: (err?: Error) => void };
  const onAbort = (): void => stream.destroy?.(new Error("pull aborted"));
  opts.signal.addEventListener("abort", onAbort, { once: true });
  try {
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(
        stream,
        (err) => (err ? reject(streamError(err)) : resolve()),
        (raw: RawProgress) => {
          if (raw.error !== undefined) return; // reported by onFinished
          const p: PullProgress = {
            image,
            status: raw.status ?? "",
            ...(raw.id !== undefined ? { layer: raw.id } : {}),
            ...(raw.progressDetail?.current !== undefined ? { current: raw.progressDetail.current } : {}),
            ...(raw.progressDetail?.total !== undefined ? { total: raw.progressDetail.total } : {}),
          };
          opts.logger.debug(p, "pull progress");
          try {
            opts.onProgress?.(p);
          } catch (err) {
            opts.logger.warn({ err }, "pull progress callback failed");
          }
        },
      );
    });
  } finally {
    opts.signal.removeEventListener("abort", onAbort);
  }
  opts.logger.info({ image, ms: Date.now() - started }, "pulled image");
}

/** Errors inside the progress stream have no status code; give the classifier one it understands. */
function streamError(err: Error): Error {
  const message = err.message;
  const statusCode = /not found|manifest unknown|does not exist|no such/i.test(message)
    ? 404
    : /unauthorized|denied|authentication/i.test(message)
      ? 401
      : 500;
  return Object.assign(new Error(message), { statusCode, json: { message } });
}
