// A stack's replica on the real local daemon: it joins its stack networks (and
// not the cluster network), and its configs are files in the container before
// its process starts, with their modes.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerHost } from "../../../src/adapters/docker/index.js";
import { stackNetworkName } from "../../../src/model/names.js";
import {
  cleanupCluster,
  docker,
  ensureTestImage,
  serviceSpec,
  startedReplica,
  TEST_IMAGE,
} from "./fixtures.js";
import { localHost, testCluster } from "./support.js";

const cluster = testCluster("st");
let host: DockerHost;

beforeAll(async () => {
  await ensureTestImage();
  ({ host } = await localHost(cluster));
  await host.ensureNetwork({}, "shop_default");
  await host.ensureNetwork({}, "shared");
});

afterAll(async () => {
  host.close();
  await cleanupCluster(cluster);
});

describe("a stack's replica", () => {
  it("joins its stack networks only and finds its configs in place when it starts", async () => {
    const service = serviceSpec({
      name: "shop_web",
      image: TEST_IMAGE,
      command: ["sh", "-c", "cat /etc/site/site.conf /motd; stat -c %a /motd; sleep 60"],
      stack: { name: "shop", service: "web" },
      networks: [
        { name: "shared", aliases: ["shop_web", "web"] },
        { name: "shop_default", aliases: ["shop_web", "web"] },
      ],
      files: [
        {
          target: "/etc/site/site.conf",
          contentBase64: Buffer.from("server {}\n").toString("base64"),
          mode: 0o444,
          uid: 0,
          gid: 0,
        },
        {
          target: "/motd",
          contentBase64: Buffer.from("hello\n").toString("base64"),
          mode: 0o440,
          uid: 0,
          gid: 0,
        },
      ],
    });
    const created = await startedReplica(host, service);
    const networks = JSON.parse(
      await docker("inspect", "-f", "{{json .NetworkSettings.Networks}}", created.id),
    ) as Record<string, unknown>;
    expect(Object.keys(networks).sort()).toEqual(
      [stackNetworkName(cluster, "shared"), stackNetworkName(cluster, "shop_default")].sort(),
    );
    let logs = "";
    for (let i = 0; i < 40 && !logs.includes("440"); i++) {
      logs = await docker("logs", created.id);
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(logs).toBe("server {}\nhello\n440\n");
  }, 60_000);
});
