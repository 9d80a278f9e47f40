// The EdgeTarget of an edge container, for any host (local or remote): the
// configuration goes in through the Docker API (putArchive of a one-file tar),
// HAProxy judges it inside the container (`haproxy -c`), and the master CLI
// reloads it. No bind-mounted directory: a remote host's filesystem is out of
// the operator's reach, the Docker API is not.
//
// The master CLI listens on the container's loopback only (MASTER_CLI), and is
// reached with busybox `nc` through `docker exec`; the worker's runtime API is
// reached through the master (`@1 <command>`), so no unix-socket client is
// needed in the image.

import { systemTime } from "../system/clock.js";
import type Docker from "dockerode";
import { parseCheckOutput, type CheckResult } from "./check.js";
import { EdgeError } from "./errors.js";
import type { EdgeTarget } from "../../ports/edge.js";
import { parseShowProc, type ProcInfo } from "../../edge/runtime-parse.js";
import { EDGE_RESERVED_PORTS } from "../../model/names.js";
import { execIn } from "./exec.js";
import { singleFileTar } from "../docker/tar.js";

export const EDGE_CONFIG_DIR = "/usr/local/etc/haproxy";
export const EDGE_CONFIG_FILE = "haproxy.cfg";
const CANDIDATE = "candidate.cfg";
const MARKER = "haproxy.cfg.applied";
/** Loopback of the edge container, on a port the spec loader keeps services off. */
export const MASTER_CLI = { address: "127.0.0.1", port: EDGE_RESERVED_PORTS[0] ?? 65001 } as const;

export async function putFile(docker: Docker, container: string, name: string, text: string): Promise<void> {
  await docker.getContainer(container).putArchive(singleFileTar(name, text), { path: EDGE_CONFIG_DIR });
}

// eslint-disable-next-line max-lines-per-function -- the edge target's methods as one object literal closing over the container; each is short
export function containerEdgeTarget(
  docker: Docker,
  host: string,
  container: string,
  timeoutMs: number,
): EdgeTarget {
  const exec = (cmd: readonly string[]) => execIn(docker, container, cmd, timeoutMs);
  const master = async (command: string): Promise<string> => {
    const r = await exec(["sh", "-c", `echo "$0" | nc ${MASTER_CLI.address} ${MASTER_CLI.port}`, command]);
    // Not "edge-not-running": the container runs (the caller checked), so a silent
    // master is a failure to retry next pass, never a config to count as applied.
    if (r.exitCode !== 0)
      throw new EdgeError("edge-socket", `${host}: master CLI does not answer`, { detail: r.stderr });
    return r.stdout;
  };
  const showProc = async (): Promise<ProcInfo> => {
    const text = await master("show proc");
    const info = parseShowProc(text);
    if (info === undefined)
      throw new EdgeError("edge-socket", `${host}: unexpected "show proc" answer`, { detail: text });
    return info;
  };
  return {
    name: host,
    async check(config: string): Promise<CheckResult> {
      await putFile(docker, container, CANDIDATE, config);
      const r = await exec(["haproxy", "-c", "-f", `${EDGE_CONFIG_DIR}/${CANDIDATE}`]);
      return parseCheckOutput(r.exitCode === 0, `${r.stdout}${r.stderr}`);
    },
    async appliedHash(): Promise<string | undefined> {
      const r = await exec(["cat", `${EDGE_CONFIG_DIR}/${MARKER}`]);
      return r.exitCode === 0 ? r.stdout.trim() || undefined : undefined;
    },
    // Docker extracts the archive while HAProxy reads the file only on (re)load,
    // which comes after this resolves: no reader ever sees half a file.
    writeConfig: (config: string) => putFile(docker, container, EDGE_CONFIG_FILE, config),
    async reload(): Promise<void> {
      const before = await showProc();
      await master("reload");
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const after = await showProc().catch(() => undefined); // refused while the master re-executes
        if (after !== undefined && after.failedReloads > before.failedReloads)
          throw new EdgeError("edge-reload-failed", `${host}: HAProxy refused the new configuration`);
        const fresh = after?.workers.filter((pid) => !before.workers.includes(pid)) ?? [];
        if (after !== undefined && after.reloads > before.reloads && fresh.length > 0) return;
        if (Date.now() > deadline)
          throw new EdgeError("edge-timeout", `${host}: reload not confirmed within ${timeoutMs} ms`);
        await systemTime.sleep(100);
      }
    },
    markApplied: (hash: string) => putFile(docker, container, MARKER, `${hash}\n`),
    runtime: (command: string) => master(`@1 ${command}`),
  };
}
