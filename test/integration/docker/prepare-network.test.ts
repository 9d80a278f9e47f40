// The production driver (createDockerDriver) on the real local daemon makes the
// cluster network ahead when asked to prepare (issue 13: a pass asks while it
// observes the hosts, so a cold start's first create does not wait for it),
// once per driver; the first create then uses it, without a second one.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDockerDriver } from "../../../src/adapters/docker/driver.js";
import { DirectorySecretStore } from "../../../src/adapters/system/secret-store.js";
import { clusterNetworkName } from "../../../src/model/names.js";
import type { HostDriver } from "../../../src/ports/host.js";
import { cluster as clusterSpec, hostSpec } from "../../support/fixtures.js";
import { cleanupCluster, docker, ensureTestImage, openPolicy, serviceSpec, TEST_IMAGE } from "./fixtures.js";
import { capturedLogger, testCluster, until, type CapturedLog } from "./support.js";

const cluster = testCluster("pn");
const network = clusterNetworkName(cluster);
let dir: string;
let driver: HostDriver;
let log: CapturedLog;

async function networks(): Promise<string[]> {
  return (await docker("network", "ls", "--format", "{{.Name}}", "--filter", `name=${network}`))
    .split("\n")
    .filter((n) => n === network);
}

beforeAll(async () => {
  await ensureTestImage();
  dir = await mkdtemp(path.join(tmpdir(), "gitfleet-pn-"));
  const host = { ...hostSpec("local"), docker: "unix:///var/run/docker.sock", address: "127.0.0.1" };
  const captured = capturedLogger();
  log = captured.log;
  driver = await createDockerDriver({
    host,
    cluster: { ...clusterSpec([host], { name: cluster }), policy: openPolicy },
    secrets: new DirectorySecretStore(dir),
    logger: captured.logger,
  });
});

afterAll(async () => {
  driver.close();
  await cleanupCluster(cluster);
  await rm(dir, { recursive: true, force: true });
});

describe("a driver prepared (production driver, real daemon)", () => {
  it("makes the cluster network before any create, once; the first create uses it", async () => {
    expect(await networks()).toEqual([]);
    expect(driver.prepare).toBeTypeOf("function");
    driver.prepare?.();
    await until("the cluster network made", async () => ((await networks()).length === 1 ? true : undefined));
    driver.prepare?.(); // once per driver: no second look
    const service = serviceSpec({ name: "web", image: TEST_IMAGE, command: ["sleep", "600"] });
    const created = await driver.create({ service, slot: "1", commit: "c0ffee", restarts: 0 });
    await driver.start(created.id);
    const joined = await docker("inspect", "--format", "{{json .NetworkSettings.Networks}}", created.id);
    expect(Object.keys(JSON.parse(joined) as object)).toEqual([network]);
    expect(await networks()).toEqual([network]);
    const made = log.lines.filter((l) => l.includes('"msg":"created cluster network"'));
    expect(made).toHaveLength(1);
  });
});
