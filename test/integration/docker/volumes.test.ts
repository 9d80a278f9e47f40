// Volumes through the real local dockerd: a replica's volume carries the slot
// that made it, listVolumes reads it back, a superseded marker shows as such
// (and the volume survives prune), a copy target is ours or refused, and a
// helper pair moves a volume's content archive to archive with equal manifests.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerHost } from "../../../src/adapters/docker/index.js";
import { volumeName } from "../../../src/model/volumes.js";
import { cleanupCluster, docker, ensureTestImage, serviceSpec, TEST_IMAGE } from "./fixtures.js";
import { localHost, testCluster } from "./support.js";

const cluster = testCluster("vol");
let host: DockerHost;

beforeAll(async () => {
  await ensureTestImage();
  ({ host } = await localHost(cluster));
  await host.ensureNetwork({ subnet: "10.247.19.0/24" });
});

afterAll(async () => {
  host.close();
  await cleanupCluster(cluster);
});

const helper = (volume: string, side: "source" | "target", readOnly: boolean) =>
  host.openVolumeHelper({ volume, image: TEST_IMAGE, readOnly, side, timeoutMs: 30_000 });

describe("volumes on a Docker host", () => {
  it("labels a replica's volume with its slot, lists it, and marks it superseded (prune keeps it)", async () => {
    const service = serviceSpec({
      name: "db",
      volumes: [{ type: "volume", source: "data", target: "/data", readOnly: false }],
    });
    const created = await host.createReplica({
      service,
      slot: "2",
      commit: "c0ffee",
      secretEnv: {},
      hostAddress: "127.0.0.1",
      policy: { allowPrivileged: false, allowHostNetwork: false, allowBindMounts: [] },
    });
    const name = volumeName(cluster, "data");
    const [v] = (await host.listVolumes()).filter((x) => x.name === name);
    expect(v).toMatchObject({
      host: "local",
      name,
      source: "data",
      driver: "local",
      service: "db",
      slot: "2",
    });
    expect(v?.supersededBy).toBeUndefined();
    await host.markSuperseded({ volume: name, by: "h9", image: TEST_IMAGE });
    await host.markSuperseded({ volume: name, by: "h9", image: TEST_IMAGE }); // idempotent
    const [after] = (await host.listVolumes()).filter((x) => x.name === name);
    expect(after?.supersededBy).toBe("h9");
    // With its replica gone, only the marker keeps `docker volume prune` off it.
    await host.remove(created.id);
    await docker("volume", "prune", "-f", "--filter", `label=gitfleet.cluster=${cluster}`);
    expect((await host.listVolumes()).map((x) => x.name)).toContain(name);
  });

  it("prepares a copy target once, reuses its own unfinished copy, refuses anyone else's volume", async () => {
    const t = { volume: volumeName(cluster, "copy"), source: "copy", service: "db", slot: "1", from: "h1" };
    expect(await host.prepareCopyTarget(t)).toBe("created");
    expect(await host.prepareCopyTarget(t)).toBe("reused");
    const err = await host.prepareCopyTarget({ ...t, from: "h2" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "conflict" });
    const [v] = (await host.listVolumes()).filter((x) => x.name === t.volume);
    expect(v).toMatchObject({ copyOf: "h1", service: "db", slot: "1" });
  });

  it("copies a volume's content archive to archive; the manifests match, a change shows", async () => {
    const a = volumeName(cluster, "src");
    const b = volumeName(cluster, "dst");
    await docker("volume", "create", "--label", `gitfleet.cluster=${cluster}`, a);
    await docker("volume", "create", "--label", `gitfleet.cluster=${cluster}`, b);
    await docker(
      "run",
      "--rm",
      "-v",
      `${a}:/v`,
      TEST_IMAGE,
      "sh",
      "-c",
      "mkdir -p /v/sub && echo one > /v/a && head -c 300000 /dev/urandom > '/v/sub/b c' && ln -s a /v/link",
    );
    const src = await helper(a, "source", true);
    const dst = await helper(b, "target", false);
    try {
      const before = await src.manifest();
      expect(before.files).toBe(2);
      expect(before.bytes).toBe(300_004);
      await dst.extract(await src.archive());
      expect(await dst.manifest()).toEqual(before);
      const listing = await docker(
        "run",
        "--rm",
        "-v",
        `${b}:/v`,
        TEST_IMAGE,
        "sh",
        "-c",
        "cd /v && find . | sort && readlink link",
      );
      expect(listing.trim().split("\n")).toEqual([".", "./a", "./link", "./sub", "./sub/b c", "a"]);
      await dst.clear();
      expect((await dst.manifest()).files).toBe(0);
      expect((await dst.manifest()).sha256).not.toBe(before.sha256);
    } finally {
      await src.close();
      await dst.close();
    }
  });
});
