// Per-test-file helpers: a unique test cluster, a DockerHost on the local
// daemon whose log lines are captured (to prove secrets stay out of them).

import { pino } from "pino";
import { DockerHost, type DockerHostOptions } from "../../../src/adapters/docker/index.js";
import { pollUntil } from "../../support/poll.js";

export function testCluster(tag: string): string {
  return `it${tag}${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
}

export interface CapturedLog {
  readonly lines: string[];
  text(): string;
}

export function capturedLogger(): { logger: pino.Logger; log: CapturedLog } {
  const lines: string[] = [];
  const logger = pino({ level: "debug" }, { write: (s: string) => void lines.push(s) });
  return { logger, log: { lines, text: () => lines.join("") } };
}

export async function localHost(
  cluster: string,
  over: Partial<DockerHostOptions> = {},
): Promise<{ host: DockerHost; log: CapturedLog }> {
  const { logger, log } = capturedLogger();
  const host = await DockerHost.create({
    name: "local",
    docker: "unix:///var/run/docker.sock",
    cluster,
    logger,
    ...over,
  });
  return { host, log };
}

/** The shared poll with these tests' pace: 15 s unless told, every 200 ms. */
export function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000) {
  return pollUntil(what, probe, { timeoutMs, intervalMs: 200 });
}
