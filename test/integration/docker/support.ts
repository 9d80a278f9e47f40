// Per-test-file helpers: a unique test cluster, a DockerHost on the local
// daemon whose log lines are captured (to prove secrets stay out of them).

import { pino } from "pino";
import { DockerHost, type DockerHostOptions } from "../../../src/adapters/docker/index.js";

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

export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
