// The output of one `docker exec`: its multiplexed stream split into stdout
// and stderr, collected until the stream ends, under a deadline. The edge's
// HAProxy commands and the volume helper's scripts both read their commands
// this way; each says which error a timeout or a broken stream becomes.

import { PassThrough, type Duplex } from "node:stream";
import type Docker from "dockerode";

export interface ExecOutput {
  readonly stdout: string;
  readonly stderr: string;
}

export interface CollectOptions {
  readonly timeoutMs: number;
  /** The error when the command has not finished by the deadline (the stream is destroyed). */
  readonly timedOut: () => Error;
  /** The error when the stream fails; default: the stream's own error. */
  readonly failed?: (err: Error) => Error;
}

/** stdout and stderr of an attached, hijacked exec stream (`exec.start({ hijack: true })`). */
export async function execCollect(
  docker: Docker,
  stream: Duplex,
  options: CollectOptions,
): Promise<ExecOutput> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough().on("data", (c: Buffer) => out.push(c));
  const stderr = new PassThrough().on("data", (c: Buffer) => err.push(c));
  docker.modem.demuxStream(stream, stdout, stderr);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.destroy();
      reject(options.timedOut());
    }, options.timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    stream.on("end", done);
    stream.on("close", done);
    stream.on("error", (e: Error) => {
      clearTimeout(timer);
      reject(options.failed ? options.failed(e) : e);
    });
  });
  return { stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") };
}
