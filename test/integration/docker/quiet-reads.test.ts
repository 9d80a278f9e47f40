// A quiet host's reads on the real local daemon, through the production
// driver (createDockerDriver): while its event stream is up and nothing
// happened, a second read is the first one kept (no listing); a replica
// removed by hand is an event, so the next read lists again and no longer
// has it, long before the slow resync (QUIET_RESYNC_MS, minutes).

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDockerDriver, QUIET_RESYNC_MS } from "../../../src/adapters/docker/driver.js";
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

beforeAll(async () => {
  await ensureTestImage();
  dir = await mkdtemp(path.join(tmpdir(), "gitfleet-qr-"));
  const host = { ...hostSpec("local"), docker: "unix:///var/run/docker.sock", address: "127.0.0.1" };
  driver = await createDockerDriver({
    host,
    cluster: { ...clusterSpec([host], { name: cluster }), policy: openPolicy },
    secrets: new DirectorySecretStore(dir),
    logger: capturedLogger().logger,
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
    expect(QUIET_RESYNC_MS).toBeGreaterThanOrEqual(60_000);
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
});
