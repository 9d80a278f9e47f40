// A stack's service is found by name on the ports its image EXPOSEs: on the real local daemon,
// creating its replica publishes them on the host's address (where other hosts' names edges
// dial it), and observing the host reads them from the image (once per image id).

import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerHost } from "../../../src/adapters/docker/index.js";
import {
  cleanupCluster,
  docker,
  ensureTestImage,
  serviceSpec,
  startedReplica,
  TEST_IMAGE,
} from "./fixtures.js";
import { localHost, until } from "./support.js";

const cluster = testClusterName();
// Built here from the local test image (no registry): a database-like image listing no port
// anywhere but in its EXPOSE, TCP and UDP.
const EXPOSING = `gitfleet-dev/exposing:${cluster}`;
let host: DockerHost;

function testClusterName(): string {
  return `itxp${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
}

beforeAll(async () => {
  await ensureTestImage();
  const id = (await docker("create", TEST_IMAGE, "true")).trim();
  try {
    await docker("commit", "-c", "EXPOSE 5432", "-c", "EXPOSE 6379/tcp 53/udp", id, EXPOSING);
  } finally {
    await docker("rm", "-f", id);
  }
  ({ host } = await localHost(cluster));
  await host.ensureNetwork({});
  await host.ensureNetwork({}, "shop_default");
});

afterAll(async () => {
  host.close();
  await cleanupCluster(cluster);
  await docker("rmi", EXPOSING).catch(() => undefined);
});

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: "127.0.0.1", port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on("error", () => resolve(false));
    s.setTimeout(2000, () => {
      s.destroy();
      resolve(false);
    });
  });
}

describe("a stack's replica whose image EXPOSEs ports it lists nowhere", () => {
  it("publishes the image's TCP ports on the host's address and is observed with them", async () => {
    const service = serviceSpec({
      name: "shop_db",
      image: EXPOSING,
      command: ["httpd", "-f", "-p", "5432", "-h", "/www"],
      stack: { name: "shop", service: "db" },
      networks: [{ name: "shop_default", aliases: ["shop_db", "db"] }],
    });
    const created = await startedReplica(host, service);
    const bindings = JSON.parse(
      await docker("inspect", "-f", "{{json .HostConfig.PortBindings}}", created.id),
    ) as Record<string, Array<{ HostIp: string; HostPort: string }>>;
    expect(Object.keys(bindings).sort()).toEqual(["5432/tcp", "6379/tcp"]);
    expect(bindings["5432/tcp"]).toEqual([{ HostIp: "127.0.0.1", HostPort: "" }]);

    const seen = await until("the replica observed running", async () => {
      const r = (await host.observe()).find((x) => x.id === created.id);
      return r?.state === "running" && r.publishedPorts["5432/tcp"] !== undefined ? r : undefined;
    });
    expect(seen.imagePorts).toEqual(["53/udp", "5432/tcp", "6379/tcp"]);
    // Where another host's names edge dials it: the published port answers.
    const published = seen.publishedPorts["5432/tcp"] ?? 0;
    expect(published).toBeGreaterThan(0);
    expect(
      await until("the published port to answer", async () =>
        (await connects(published)) ? true : undefined,
      ),
    ).toBe(true);
    // Observed again: the same (the image's ports are remembered by its id).
    const again = (await host.observe()).find((x) => x.id === created.id);
    expect(again?.imagePorts).toEqual(seen.imagePorts);
  }, 90_000);

  it("publishes nothing of the image's for a services/ document (no stack), but observes them", async () => {
    const service = serviceSpec({ name: "db", image: EXPOSING });
    const created = await startedReplica(host, service);
    const bindings = JSON.parse(
      await docker("inspect", "-f", "{{json .HostConfig.PortBindings}}", created.id),
    ) as Record<string, unknown>;
    expect(bindings).toEqual({});
    const seen = await until("the replica observed", async () =>
      (await host.observe()).find((x) => x.id === created.id),
    );
    expect(seen.imagePorts).toEqual(["53/udp", "5432/tcp", "6379/tcp"]);
    expect(seen.publishedPorts).toEqual({});
  }, 90_000);
});
