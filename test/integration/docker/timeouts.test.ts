// A host that accepts connections and never answers (like a SIGSTOPped
// dockerd) must fail its calls quickly with code "timeout", including calls
// queued behind others, and must not slow down calls to a healthy host.

import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DockerError, DockerHost } from "../../../src/adapters/docker/index.js";
import { capturedLogger, localHost, testCluster } from "./support.js";

let frozen: Server;
let frozenPort = 0;
const sockets: Socket[] = [];

beforeAll(async () => {
  frozen = createServer((s) => void sockets.push(s)); // accept, read nothing, answer nothing
  await new Promise<void>((r) => frozen.listen(0, "127.0.0.1", r));
  const addr = frozen.address();
  if (addr === null || typeof addr === "string") throw new Error("no port");
  frozenPort = addr.port;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => frozen.close(r));
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  return err instanceof DockerError ? err.code : `not a DockerError: ${String(err)}`;
}

describe("timeouts", () => {
  it("a frozen host times out quickly while a healthy host answers at once", async () => {
    const hung = await DockerHost.create({
      name: "frozen",
      docker: `tcp://127.0.0.1:${frozenPort}`,
      cluster: testCluster("to"),
      // Deadlines long enough that the healthy host's calls fit well inside them on a busy
      // machine: what is tested is that nothing waits on the frozen host beyond them.
      pingTimeoutMs: 3_000,
      callTimeoutMs: 5_000,
      concurrency: 2,
      logger: capturedLogger().logger,
    });
    const { host: healthy } = await localHost(testCluster("ok"));
    const t0 = Date.now();
    let hungSettled = false;
    const hungPing = codeOf(hung.ping()).finally(() => (hungSettled = true));
    // Six observe() calls through a read lane of 4 (2x concurrency): queued ones share the deadline.
    const hungObserves = Promise.all(Array.from({ length: 6 }, () => codeOf(hung.observe())));
    await healthy.ping();
    await healthy.observe();
    const healthyMs = Date.now() - t0;
    // The healthy host answered while the frozen one was still hanging.
    expect(hungSettled).toBe(false);
    expect(healthyMs).toBeLessThan(3_000);
    expect(await hungPing).toBe("timeout");
    expect(await hungObserves).toEqual(Array(6).fill("timeout"));
    const hungMs = Date.now() - t0;
    // One shared deadline: two rounds of the lane, each waiting out its own, would be 10 s.
    expect(hungMs).toBeLessThan(9_000);
  });

  it("a refused connection is host-unreachable, not a hang", async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const addr = probe.address();
    await new Promise((r) => probe.close(r));
    if (addr === null || typeof addr === "string") throw new Error("no port");
    const down = await DockerHost.create({
      name: "down",
      docker: `tcp://127.0.0.1:${addr.port}`,
      cluster: "x",
      logger: capturedLogger().logger,
    });
    const t0 = Date.now();
    expect(await codeOf(down.ping())).toBe("host-unreachable");
    expect(await codeOf(down.info())).toBe("host-unreachable");
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it("a missing unix socket is host-unreachable", async () => {
    const gone = await DockerHost.create({
      name: "gone",
      docker: "unix:///nonexistent/docker.sock",
      cluster: "x",
      logger: capturedLogger().logger,
    });
    expect(await codeOf(gone.ping())).toBe("host-unreachable");
  });
});
