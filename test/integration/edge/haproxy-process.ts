// A real HAProxy 2.6 in master-worker mode for the edge tests, driven exactly
// as the edge container will be: `haproxy -W -S <master socket> -f <file>`,
// configuration applied through applyEdgeConfig and the local target.

import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { showProc } from "../../../src/adapters/edge/master.js";
import { localEdgeTarget } from "./local-target.js";
import { pollUntil } from "../../support/poll.js";
import type { EdgeTarget } from "../../../src/ports/edge.js";

export interface RunningHaproxy {
  readonly target: EdgeTarget;
  readonly masterSocket: string;
  readonly statsSocket: string;
  /** Everything HAProxy printed (server state changes, alerts), for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

export const HAPROXY_BIN = "/usr/sbin/haproxy";

export function edgePaths(dir: string): { configPath: string; masterSocket: string; statsSocket: string } {
  return {
    configPath: path.join(dir, "haproxy.cfg"),
    masterSocket: path.join(dir, "master.sock"),
    statsSocket: path.join(dir, "stats.sock"),
  };
}

export function targetIn(dir: string): EdgeTarget {
  return localEdgeTarget({ ...edgePaths(dir), haproxyBin: HAPROXY_BIN, timeoutMs: 10_000 });
}

/** Start HAProxy on the configuration already written in `dir`. */
export async function startHaproxy(dir: string): Promise<RunningHaproxy> {
  const paths = edgePaths(dir);
  let output = "";
  const child: ChildProcess = spawn(HAPROXY_BIN, ["-W", "-S", paths.masterSocket, "-f", paths.configPath], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const target = targetIn(dir);
  // Until HAProxy has made them its sockets refuse: asked again, like a false answer.
  const soon = { timeoutMs: 10_000, intervalMs: 25 };
  const refused = () => false;
  await pollUntil(
    "the HAProxy worker",
    () => showProc(paths.masterSocket).then((p) => p.workers.length > 0, refused),
    soon,
  );
  await pollUntil(
    "the stats socket",
    () => target.runtime("show info").then((info) => info.includes("Pid:"), refused),
    soon,
  );
  return {
    target,
    masterSocket: paths.masterSocket,
    statsSocket: paths.statsSocket,
    logs: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
