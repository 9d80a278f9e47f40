// A quiet host's reads on the real local daemon, through the production
// driver (createDockerDriver): while its event stream is up and nothing
// happened, a second read is the first one kept (no listing); a replica
// removed by hand is an event, so the next read lists again and no longer
// has it, long before the slow resync (QUIET_RESYNC_MS, minutes). So is
// what is done by hand beside our containers (another container's published
// port, a volume, an image): the watch tells it, and only that read is taken
// again. A health check's exec is no news: the replicas' read stays kept.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDockerDriver, QUIET_RESYNC_MS } from "../../../src/adapters/docker/driver.js";
import { Limiter } from "../../../src/adapters/docker/limiter.js";
import { eventReason } from "../../../src/daemon/triggers.js";
import { DirectorySecretStore } from "../../../src/adapters/system/secret-store.js";
import type { DriverEvent, HostDriver } from "../../../src/ports/host.js";
import { cluster as clusterSpec, hostSpec } from "../../support/fixtures.js";
import { cleanupCluster, docker, ensureTestImage, openPolicy, serviceSpec, TEST_IMAGE } from "./fixtures.js";
import { capturedLogger, testCluster, until } from "./support.js";

const cluster = testCluster("qr");
let dir: string;
let driver: HostDriver;
const events: DriverEvent[] = [];
let unwatch: () => void = () => undefined;

/** The fleet's limiter, counting the calls that take a slot (every call but a ping). */
class CountingLimiter extends Limiter {
  calls = 0;
  override acquire(signal?: AbortSignal): Promise<() => void> {
    this.calls++;
    return super.acquire(signal);
  }
}
const counter = new CountingLimiter(64);

/** A pass's reads of the host (observer.ts): the Docker calls they made. */
async function passCalls(): Promise<number> {
  const before = counter.calls;
  await Promise.all([driver.facts(), driver.observe(), driver.volumes?.list()]);
  return counter.calls - before;
}

/** Until a pass reads nothing: every event of what came before has arrived. */
async function quiet(): Promise<void> {
  await until("a quiet pass", async () => ((await passCalls()) === 0 ? true : undefined));
}

beforeAll(async () => {
  await ensureTestImage();
  dir = await mkdtemp(path.join(tmpdir(), "gitfleet-qr-"));
  const host = { ...hostSpec("local"), docker: "unix:///var/run/docker.sock", address: "127.0.0.1" };
  driver = await createDockerDriver({
    host,
    cluster: { ...clusterSpec([host], { name: cluster }), policy: openPolicy },
    secrets: new DirectorySecretStore(dir),
    logger: capturedLogger().logger,
    fleetCalls: counter,
  });
  unwatch = driver.watch((e) => void events.push(e));
  await until("the event stream up", async () =>
    events.some((e) => e.kind === "connected") ? true : undefined,
  );
  await driver.ping();
});

afterAll(async () => {
  unwatch();
  driver.close();
  await cleanupCluster(cluster);
  await rm(dir, { recursive: true, force: true });
});

describe("a quiet host's reads (production driver, real daemon)", () => {
  it("keeps a read while nothing happens; a replica removed by hand is seen at the next read, not at the resync", async () => {
    expect(QUIET_RESYNC_MS).toBeGreaterThanOrEqual(15 * 60_000);
    const service = serviceSpec({ name: "web", image: TEST_IMAGE, command: ["sleep", "600"] });
    const created = await driver.create({ service, slot: "1", commit: "c0ffee", restarts: 0 });
    await driver.start(created.id);
    await until("the replica running in a read", async () =>
      (await driver.observe()).some((r) => r.id === created.id && r.state === "running") ? true : undefined,
    );
    // Quiet: the events of our own start have arrived; then a read is kept as it is.
    await until("a read kept", async () => {
      const first = driver.observe();
      await first;
      return driver.observe() === first ? true : undefined;
    });
    const kept = driver.observe();
    expect(driver.observe()).toBe(kept);
    // Removed by hand (docker rm -f): an event says so, and the next read lists the host again.
    await docker("rm", "-f", created.id);
    await until(
      "the removal seen",
      async () => ((await driver.observe()).some((r) => r.id === created.id) ? undefined : true),
      15_000,
    );
    expect(
      events.some((e) => e.kind === "container" && e.containerId === created.id && e.action === "destroy"),
    ).toBe(true);
  });

  it("sees a container started by hand with a published port at the next pass, and keeps the replicas' read", async () => {
    await quiet();
    const kept = driver.observe();
    const name = `${cluster}-byhand`;
    const id = (
      await docker("run", "-d", "--name", name, "-p", "127.0.0.1::8080", TEST_IMAGE, "sleep", "600")
    ).trim();
    try {
      await until("its port seen", async () =>
        (await driver.facts()).foreignPorts?.some((p) => p.owner === name) ? true : undefined,
      );
      expect(driver.observe()).toBe(kept);
      await docker("rm", "-f", id);
      await until("its port gone", async () =>
        (await driver.facts()).foreignPorts?.some((p) => p.owner === name) ? undefined : true,
      );
      expect(driver.observe()).toBe(kept);
      // The operator's triggers hear of our containers only.
      expect(events.some((e) => e.kind === "container" && e.containerId === id)).toBe(false);
    } finally {
      await docker("rm", "-f", id).catch(() => undefined);
    }
  });

  it("sees a volume created and removed by hand at the next pass", async () => {
    await quiet();
    const kept = driver.observe();
    const name = `gf-${cluster}-byhand`;
    await docker("volume", "create", "--label", `gitfleet.cluster=${cluster}`, name);
    try {
      await until("the volume seen", async () =>
        (await driver.volumes?.list())?.some((v) => v.name === name) ? true : undefined,
      );
      await docker("volume", "rm", name);
      await until("the volume gone", async () =>
        (await driver.volumes?.list())?.some((v) => v.name === name) ? undefined : true,
      );
      expect(driver.observe()).toBe(kept);
    } finally {
      await docker("volume", "rm", "-f", name).catch(() => undefined);
    }
  });

  it("sees an image tagged and removed by hand at the next pass", async () => {
    await quiet();
    const tag = `gitfleet-dev/busybox:${cluster}`;
    await docker("tag", TEST_IMAGE, tag);
    try {
      await until("the image seen", async () =>
        (await driver.facts()).images.includes(tag) ? true : undefined,
      );
      await docker("rmi", tag);
      await until("the image gone", async () =>
        (await driver.facts()).images.includes(tag) ? undefined : true,
      );
    } finally {
      await docker("rmi", tag).catch(() => undefined);
    }
  });

  it("keeps the replicas' read across health checks and execs; an unhealthy replica still reaches the operator", async () => {
    const service = serviceSpec({
      name: "checked",
      image: TEST_IMAGE,
      command: ["sleep", "600"],
      healthcheck: {
        test: ["CMD-SHELL", "test ! -e /tmp/sick"],
        intervalMs: 1000,
        timeoutMs: 2000,
        retries: 1,
        startPeriodMs: 0,
      },
    });
    const created = await driver.create({ service, slot: "1", commit: "c0ffee", restarts: 0 });
    await driver.start(created.id);
    await until("the replica healthy in a read", async () =>
      (await driver.observe()).some((r) => r.id === created.id && r.health === "healthy") ? true : undefined,
    );
    await quiet();
    const kept = driver.observe();
    const since = Math.floor(Date.now() / 1000);
    await docker("exec", created.id, "true");
    // Health checks ran since (each is an exec_create, exec_start and exec_die)...
    await until(
      "three execs",
      async () => {
        const out = await docker(
          "events",
          "--since",
          String(since),
          "--until",
          String(Math.floor(Date.now() / 1000)),
          "--filter",
          `container=${created.id}`,
          "--filter",
          "event=exec_die",
          "--format",
          "{{.ID}}",
        );
        return out.split("\n").filter(Boolean).length >= 3 ? true : undefined;
      },
      30_000,
    );
    // ...and a later event the driver hears of (a volume by hand) bounds the wait for theirs.
    const marker = `${cluster}-marker`;
    await docker("volume", "create", marker);
    try {
      await until("the marker heard", async () => ((await passCalls()) > 0 ? true : undefined));
      expect(driver.observe()).toBe(kept);
    } finally {
      await docker("volume", "rm", "-f", marker);
    }
    // Turned unhealthy: the operator hears it as it always did, and the next read has it.
    await docker("exec", created.id, "touch", "/tmp/sick");
    const unhealthy = await until("health_status: unhealthy", async () =>
      events.find(
        (e) =>
          e.kind === "container" && e.containerId === created.id && e.action === "health_status: unhealthy",
      ),
    );
    expect(eventReason("local", unhealthy)).toMatch(/unhealthy of checked on local/);
    await until("unhealthy in a read", async () =>
      (await driver.observe()).some((r) => r.id === created.id && r.health === "unhealthy")
        ? true
        : undefined,
    );
  });
});
