// One command in a running container through the Docker API (`docker exec`),
// with its exit code and output. The edge's HAProxy is driven this way on any
// host, local or remote: no file on the host, no port of its admin sockets
// outside the container.

import { PassThrough } from "node:stream";
import type Docker from "dockerode";

export interface ExecResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export class EdgeExecError extends Error {
  readonly code = "edge-exec";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "EdgeExecError";
  }
}

export async function execIn(
  docker: Docker,
  container: string,
  cmd: readonly string[],
  timeoutMs: number,
): Promise<ExecResult> {
  const exec = await docker
    .getContainer(container)
    .exec({ Cmd: [...cmd], AttachStdout: true, AttachStderr: true, AttachStdin: false, Tty: false });
  const stream = await exec.start({ hijack: true, stdin: false });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const stdout = new PassThrough().on("data", (c: Buffer) => out.push(c));
  const stderr = new PassThrough().on("data", (c: Buffer) => err.push(c));
  docker.modem.demuxStream(stream, stdout, stderr);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      stream.destroy();
      reject(new EdgeExecError(`${container}: ${cmd[0] ?? ""} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    stream.on("end", done);
    stream.on("close", done);
    stream.on("error", (e: Error) => {
      clearTimeout(timer);
      reject(new EdgeExecError(`${container}: exec failed: ${e.message}`, { cause: e }));
    });
  });
  const info = await exec.inspect();
  return {
    exitCode: info.ExitCode ?? -1,
    stdout: Buffer.concat(out).toString("utf8"),
    stderr: Buffer.concat(err).toString("utf8"),
  };
}
