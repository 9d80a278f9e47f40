// One command in a running container through the Docker API (`docker exec`),
// with its exit code and output. The edge's HAProxy is driven this way on any
// host, local or remote: no file on the host, no port of its admin sockets
// outside the container.

import type Docker from "dockerode";
import { execCollect } from "../docker/exec-output.js";

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
  const output = await execCollect(docker, stream, {
    timeoutMs,
    timedOut: () => new EdgeExecError(`${container}: ${cmd[0] ?? ""} did not finish within ${timeoutMs} ms`),
    failed: (e) => new EdgeExecError(`${container}: exec failed: ${e.message}`, { cause: e }),
  });
  const info = await exec.inspect();
  return { exitCode: info.ExitCode ?? -1, ...output };
}
