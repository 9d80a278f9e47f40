// The cluster lock's record on the real local daemon: taken atomically by
// name, its lease renewed in one request (without dockerode: see
// src/adapters/docker/light.ts) and read back, refused once the record is gone.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DockerError, type DockerHost } from "../../../src/adapters/docker/index.js";
import { docker, ensureTestImage, TEST_IMAGE } from "./fixtures.js";
import { localHost, testCluster } from "./support.js";

const cluster = testCluster("lk");
let host: DockerHost;
const holder = { instance: "lock-test", host: "ops1", pid: 4242, started: 1 };

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
});
