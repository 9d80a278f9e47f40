// The cluster lock's record on the real local daemon: taken atomically by
// name, its lease renewed in one request (without dockerode: see
// src/adapters/docker/light.ts) and read back, refused once the record is gone;
// and the heartbeat's beat that carries the renewal (pingRenewing): the lease
// written under the ping's deadline, false when the engine answered without
// writing it, a timeout like a ping's when the engine does not answer; and the
// same through beat(), the heartbeat's way of sending it (no promise per beat).

import { createServer, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DockerError, DockerHost } from "../../../src/adapters/docker/index.js";
import type { BeatRenewal } from "../../../src/ports/host.js";
import { docker, ensureTestImage, TEST_IMAGE } from "./fixtures.js";
import { capturedLogger, localHost, testCluster } from "./support.js";

const cluster = testCluster("lk");
let host: DockerHost;
const holder = { instance: "lock-test", host: "ops1", pid: 4242, started: 1 };

/** One beat() as a promise: whether the renewal was written, or its failure. */
const beat = (h: DockerHost, renewal?: BeatRenewal): Promise<boolean> =>
  new Promise((answered, failed) => h.beat(renewal, { answered, failed }));

beforeAll(async () => {
  await ensureTestImage();
  ({ host } = await localHost(cluster));
});

afterAll(async () => {
  host.close();
  await docker("rm", "-f", `gf-${cluster}-lock`).catch(() => undefined);
});

describe("the cluster lock's record", () => {
  it("is created once, renewed by id and read back with its lease; a renewal of a removed record fails", async () => {
    const created = await host.createLock(TEST_IMAGE, holder, { renewals: 1, leaseMs: 15_000 });
    if (created === "exists") throw new Error("a lock record was left over");
    expect(await host.createLock(TEST_IMAGE, holder, { renewals: 1, leaseMs: 15_000 })).toBe("exists");
    await host.renewLock(created.id, { renewals: 7, leaseMs: 15_000 });
    expect(await host.readLock()).toEqual({
      id: created.id,
      holder,
      lease: { renewals: 7, leaseMs: 15_000 },
    });
    await host.removeLock(created.id);
    expect(await host.readLock()).toBeUndefined();
    const err = await host.renewLock(created.id, { renewals: 8, leaseMs: 15_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DockerError);
    expect((err as DockerError).code).toBe("not-found");
  });

  it("a beat carries the renewal: the lease written in the ping's request, false once the record is gone", async () => {
    const created = await host.createLock(TEST_IMAGE, holder, { renewals: 1, leaseMs: 15_000 });
    if (created === "exists") throw new Error("a lock record was left over");
    expect(await host.pingRenewing(created.id, { renewals: 2, leaseMs: 15_000 })).toBe(true);
    expect((await host.readLock())?.lease).toEqual({ renewals: 2, leaseMs: 15_000 });
    // Removed by hand: the engine answers (404), so the host is alive; the lease is not written.
    await docker("rm", "-f", created.id);
    expect(await host.pingRenewing(created.id, { renewals: 3, leaseMs: 15_000 })).toBe(false);
    expect(await host.readLock()).toBeUndefined();
  });

  it("beat(): a ping, or the renewal written (true); false when the engine answered without writing it", async () => {
    expect(await beat(host)).toBe(false);
    const created = await host.createLock(TEST_IMAGE, holder, { renewals: 1, leaseMs: 15_000 });
    if (created === "exists") throw new Error("a lock record was left over");
    expect(await beat(host, { id: created.id, lease: { renewals: 2, leaseMs: 15_000 } })).toBe(true);
    expect((await host.readLock())?.lease).toEqual({ renewals: 2, leaseMs: 15_000 });
    // Two at once: the second goes its own way (the first holds the kept connection), both land.
    const both = await Promise.all([
      beat(host, { id: created.id, lease: { renewals: 3, leaseMs: 15_000 } }),
      beat(host),
    ]);
    expect(both).toEqual([true, false]);
    await docker("rm", "-f", created.id);
    expect(await beat(host, { id: created.id, lease: { renewals: 4, leaseMs: 15_000 } })).toBe(false);
    expect(await host.readLock()).toBeUndefined();
  });

  it("a beat's renewal to an engine that does not answer fails within the ping's deadline, as a ping", async () => {
    const sockets: Socket[] = [];
    const frozen = createServer((s) => void sockets.push(s)); // accepts, never answers
    await new Promise<void>((r) => frozen.listen(0, "127.0.0.1", r));
    const addr = frozen.address();
    if (addr === null || typeof addr === "string") throw new Error("no port");
    const hung = await DockerHost.create({
      name: "frozen",
      docker: `tcp://127.0.0.1:${addr.port}`,
      cluster,
      pingTimeoutMs: 1_000,
      callTimeoutMs: 30_000,
      logger: capturedLogger().logger,
    });
    try {
      for (const send of [
        () => hung.pingRenewing("0".repeat(64), { renewals: 1, leaseMs: 15_000 }),
        () => beat(hung, { id: "0".repeat(64), lease: { renewals: 1, leaseMs: 15_000 } }),
      ]) {
        const t0 = Date.now();
        const err = await send().catch((e: unknown) => e);
        expect(err).toBeInstanceOf(DockerError);
        expect((err as DockerError).code).toBe("timeout");
        // The ping's deadline (1 s), not the call deadline (30 s); generous for a loaded machine.
        expect(Date.now() - t0).toBeGreaterThanOrEqual(990);
        expect(Date.now() - t0).toBeLessThan(10_000);
      }
    } finally {
      hung.close();
      for (const s of sockets) s.destroy();
      await new Promise((r) => frozen.close(r));
    }
  });
});
