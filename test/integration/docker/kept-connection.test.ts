// The heartbeat's kept connection (src/adapters/docker/kept-connection.ts)
// against the real daemon behind a TCP proxy: every beat goes over one open
// connection; one the far end closed is replaced at the next beat; a frozen
// engine fails the beat within the ping's deadline and the connection is
// replaced once it answers again.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DockerError, DockerHost } from "../../../src/adapters/docker/index.js";
import { docker, ensureTestImage, TEST_IMAGE } from "./fixtures.js";
import { FreezableProxy } from "./freezable-proxy.js";
import { capturedLogger, testCluster, until } from "./support.js";

const cluster = testCluster("kc");
const proxy = new FreezableProxy();
let host: DockerHost;

beforeAll(async () => {
  await ensureTestImage();
  await proxy.start();
  host = await DockerHost.create({
    name: "proxied",
    docker: `tcp://127.0.0.1:${proxy.port}`,
    cluster,
    pingTimeoutMs: 1_000,
    logger: capturedLogger().logger,
  });
});

afterAll(async () => {
  host.close();
  await proxy.stop();
  await docker("rm", "-f", `gf-${cluster}-lock`).catch(() => undefined);
});

describe("the heartbeat's kept connection", () => {
  it("carries every beat over one connection, and replaces one the far end closed", async () => {
    const created = await host.createLock(
      TEST_IMAGE,
      { instance: "kc", host: "ops1", pid: 1, started: 1 },
      {
        renewals: 1,
        leaseMs: 15_000,
      },
    );
    if (created === "exists") throw new Error("a lock record was left over");
    const before = proxy.accepted;
    for (let i = 0; i < 10; i++) await host.ping();
    for (let i = 2; i < 5; i++)
      expect(await host.pingRenewing(created.id, { renewals: i, leaseMs: 15_000 })).toBe(true);
    expect((await host.readLock())?.lease?.renewals).toBe(4);
    const afterBeats = proxy.accepted;
    // The lock read goes through dockerode; the 13 beats took one connection of their own.
    expect(afterBeats - before).toBeLessThanOrEqual(2);
    for (let i = 0; i < 10; i++) await host.ping();
    expect(proxy.accepted).toBe(afterBeats);
    // The far end closes it (a dockerd restart): the next beat connects again.
    proxy.cut();
    await new Promise((r) => setTimeout(r, 200));
    await host.ping();
    expect(proxy.accepted).toBe(afterBeats + 1);
  });

  it("a frozen engine fails the beat within the ping's deadline; answering again, it is beaten over a new connection", async () => {
    await host.ping();
    const before = proxy.accepted;
    proxy.freeze();
    try {
      const t0 = Date.now();
      const err = await host.ping().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DockerError);
      expect((err as DockerError).code).toBe("timeout");
      expect(Date.now() - t0).toBeLessThan(8_000);
    } finally {
      proxy.thaw();
    }
    await until("the engine answers again", () =>
      host.ping().then(
        () => true,
        () => undefined,
      ),
    );
    expect(proxy.accepted).toBeGreaterThan(before);
  });
});
