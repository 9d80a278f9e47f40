// Data stays with its volume (issue 14), on the three-host test bed, one
// operator living through the drills in order: a `db` with a host-local named
// volume waits for its frozen host (never started elsewhere on empty storage)
// and comes back there with its file; declared recreatable it moves and status
// says its data was left behind; a drain with move_data copies the volume to
// the target, verified; a copy interrupted by killing the target leaves db on
// its source with its data; an operator kill -9 during a data move converges
// without losing either copy.

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  dockerFor,
  freezeHost,
  killHost,
  resetTestbed,
  startHost,
  TESTBED,
  thawHost,
  type TestbedHost,
} from "../../support/testbed.js";
import { BED_POLL, managed, managedOn, OperatorWorld } from "../operator/support.js";
import { pollUntil } from "../../support/poll.js";
import { failureCluster, others } from "./support.js";

const run = promisify(execFile);
const VOLUME = "gf-e2e-dbdata";
/** The data-move drills use a fresh volume: the first ones left dbdata on two hosts, and a copy never overwrites one. */
const MOVED = "gf-e2e-moved";
const DB = `kind: Service
name: db
image: gitfleet/busybox:1.35
command: ["sh", "-c", "trap 'exit 0' TERM; sleep 86400 & wait"]
volumes: [dbdata:/data]
stop_grace_period: 1s
deploy:
  replicas: 1
  resources: {reservations: {cpus: "0.25"}}
  restart_policy: {delay: 1s}
`;
let world: OperatorWorld;

/** The cluster with volume declarations and per-host extras ("drain: true, move_data: true"). */
function cluster(o: { volumes?: string; hosts?: Record<string, string> } = {}): string {
  // The helper that copies volumes: the locally built busybox (the test bed has no Docker Hub).
  let text = failureCluster().replace(
    "host_stable_after: 5s}",
    "host_stable_after: 5s, volume_helper_image: gitfleet/busybox:1.35}",
  );
  if (!text.includes("volume_helper_image")) throw new Error("failureCluster() changed: update cluster()");
  for (const [h, extra] of Object.entries(o.hosts ?? {}))
    text = text.replace(`{name: ${h},`, `{name: ${h}, ${extra},`);
  return o.volumes === undefined ? text : `${text}volumes: ${o.volumes}\n`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The running db containers across the cluster (frozen hosts left out). */
async function dbOn(
  hosts: readonly TestbedHost[] = TESTBED.hosts,
): Promise<{ host: TestbedHost; id: string }[]> {
  const out: { host: TestbedHost; id: string }[] = [];
  for (const h of hosts) {
    for (const c of await managedOn(h))
      if (c.service === "db" && c.state === "running") out.push({ host: h, id: c.id });
  }
  return out;
}

async function exec(h: TestbedHost, id: string, script: string): Promise<string> {
  const docker = dockerFor(h, { timeoutMs: 60_000 });
  const e = await docker
    .getContainer(id)
    .exec({ Cmd: ["sh", "-c", script], AttachStdout: true, AttachStderr: true });
  const stream = await e.start({ hijack: true, stdin: false });
  const chunks: Buffer[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c));
  await new Promise((r) => stream.on("end", r));
  // Demultiplexed by hand: 8-byte frame headers, then the payload.
  const raw = Buffer.concat(chunks);
  let text = "";
  for (let i = 0; i + 8 <= raw.length;) {
    const n = raw.readUInt32BE(i + 4);
    text += raw.subarray(i + 8, i + 8 + n).toString();
    i += 8 + n;
  }
  return text.trim();
}

/** The named volumes a container mounts. */
async function mounts(h: TestbedHost, id: string): Promise<string[]> {
  const info = await dockerFor(h, { timeoutMs: 10_000 }).getContainer(id).inspect();
  return info.Mounts.filter((m) => m.Type === "volume").map((m) => m.Name ?? "");
}

/** The sha256 of /data/file in the db replica on that host. */
const checksumIn = async (h: TestbedHost, id: string) =>
  (await exec(h, id, "sha256sum /data/file")).split(/\s+/)[0] ?? "";

/** The sha256 of the file in the host's volume itself, through a throwaway container. */
async function checksumOfVolume(h: TestbedHost, volume = MOVED): Promise<string> {
  const { stdout } = await run("docker", [
    "-H",
    `unix://${h.socketPath}`,
    "run",
    "--rm",
    "--network",
    "none",
    "-v",
    `${volume}:/v:ro`,
    "gitfleet/busybox:1.35",
    "sha256sum",
    "/v/file",
  ]);
  return stdout.split(/\s+/)[0] ?? "";
}

/** Writes a random file of `mb` MiB into db's /data; returns where db runs and the file's checksum. */
async function writeFile(mb: number): Promise<{ host: TestbedHost; sum: string }> {
  const [db] = await pollUntil(
    // Exactly one db container on the whole cluster (a flapping host's duplicate is gone), running.
    "one db container, running",
    async () => ((await managed("db")).length === 1 && (await dbOn()).length === 1 ? dbOn() : undefined),
    { ...BED_POLL, timeoutMs: 60_000 },
  );
  if (db === undefined) throw new Error("no db");
  await exec(db.host, db.id, `head -c ${mb * 1048576} /dev/urandom > /data/file && sync`);
  return { host: db.host, sum: await checksumIn(db.host, db.id) };
}

async function serviceDoc(): Promise<Record<string, unknown>> {
  return (parse(await world.status("status/services/db.yaml")) ?? {}) as Record<string, unknown>;
}

async function clusterDoc(): Promise<Record<string, unknown>> {
  return (parse(await world.status("status/cluster.yaml")) ?? {}) as Record<string, unknown>;
}

/** The test bed's reset removes containers only: the volumes of earlier runs go too (data of this file's drills). */
async function removeVolumes(): Promise<void> {
  for (const h of TESTBED.hosts) {
    const docker = dockerFor(h, { timeoutMs: 10_000 });
    const { Volumes } = await docker.listVolumes({ filters: { label: [`gitfleet.cluster=e2e`] } });
    for (const v of Volumes ?? []) await docker.getVolume(v.Name).remove();
  }
}

beforeAll(async () => {
  await resetTestbed();
  await removeVolumes();
  world = await OperatorWorld.create({});
  await world.push({ "cluster.yaml": cluster(), "services/db.yaml": DB }, "db with a named volume");
  world.startOperator();
  await pollUntil("db running", async () => ((await dbOn()).length === 1 ? true : undefined), {
    ...BED_POLL,
    timeoutMs: 120_000,
  });
}, 180_000);

afterAll(async () => {
  await world?.close();
  await resetTestbed();
  await removeVolumes();
});

describe("data stays with its volume", () => {
  it("waits for its frozen host (status names host and volume), then runs there again with its file", async () => {
    const { host, sum } = await writeFile(1);
    await freezeHost(host);
    try {
      const waiting = `waiting for ${host.name}: holds volume dbdata`;
      await pollUntil(
        "status: db waiting for its host",
        async () => ((await serviceDoc())["unschedulable"] as string[] | undefined)?.includes(waiting),
        { ...BED_POLL, timeoutMs: 30_000 },
      );
      expect((await serviceDoc())["state"]).toBe("degraded");
      // Well past failover time, nothing of db runs on the survivors.
      await sleep(4_000);
      const survivors = (await Promise.all(others(host).map((h) => managedOn(h)))).flat();
      expect(survivors.filter((c) => c.service === "db")).toEqual([]);
    } finally {
      await thawHost(host);
    }
    const back = await pollUntil(
      "db running on its host again",
      async () => {
        const list = await dbOn();
        return list.length === 1 && list[0]?.host.name === host.name ? list[0] : undefined;
      },
      { ...BED_POLL, timeoutMs: 60_000 },
    );
    expect(await checksumIn(back.host, back.id)).toBe(sum);
    await pollUntil(
      "status: db converged",
      async () => ((await serviceDoc())["state"] === "converged" ? true : undefined),
      BED_POLL,
    );
  }, 180_000);

  it("declared recreatable, it moves as before and status says its data was left behind", async () => {
    await world.push(
      { "cluster.yaml": cluster({ volumes: "{dbdata: {x-gitfleet-recreatable: true}}" }) },
      "dbdata is recreatable",
    );
    const [before] = await dbOn();
    if (before === undefined) throw new Error("no db");
    await sleep(2_000); // the commit is applied (nothing to change in the containers)
    await freezeHost(before.host);
    try {
      const moved = await pollUntil(
        "db running on another host",
        async () => (await dbOn(others(before.host)))[0],
        { ...BED_POLL, timeoutMs: 30_000 },
      );
      expect(moved.host.name).not.toBe(before.host.name);
      await pollUntil(
        "status: its data was left behind",
        async () =>
          JSON.stringify((await serviceDoc())["events"] ?? []).includes(
            `its data (volume dbdata, recreatable) was left on ${before.host.name}`,
          ),
        BED_POLL,
      );
    } finally {
      await thawHost(before.host);
    }
    // Back: the stale container goes, the volume stays and is listed as unused with its host.
    await pollUntil(
      "status lists the volume left on the old host",
      async () => {
        const unused = ((await clusterDoc())["unused_volumes"] ?? []) as Array<Record<string, unknown>>;
        return unused.find((v) => v["host"] === before.host.name && v["volume"] === VOLUME);
      },
      { ...BED_POLL, timeoutMs: 60_000 },
    );
    // Bound again from here on (where it runs now).
    await world.push({ "cluster.yaml": cluster() }, "dbdata is host-local again");
  }, 180_000);

  it("drains with move_data: copies the volume to the target, verified, and keeps the source", async () => {
    await world.push(
      { "services/db.yaml": DB.replace("dbdata:/data", "moved:/data") },
      "db on a fresh volume",
    );
    // The new spec's replica, by what it mounts: the old one may show an empty /data too
    // (after the recreatable drill it runs on a fresh dbdata), and a file written there would be lost.
    await pollUntil(
      "db on its new volume",
      async () => {
        const [db] = await dbOn();
        if (db === undefined || !(await mounts(db.host, db.id)).includes(MOVED)) return undefined;
        return (await exec(db.host, db.id, "ls /data | wc -l")) === "0" ? true : undefined;
      },
      BED_POLL,
    );
    const { host: from, sum } = await writeFile(2);
    await world.push(
      { "cluster.yaml": cluster({ hosts: { [from.name]: "drain: true, move_data: true" } }) },
      `drain ${from.name}, moving data`,
    );
    const moved = await pollUntil(
      "db running elsewhere",
      async () => (await dbOn()).find((d) => d.host.name !== from.name),
      { ...BED_POLL, timeoutMs: 90_000 },
    );
    expect(await checksumIn(moved.host, moved.id)).toBe(sum);
    // The source is kept, superseded, and listed.
    expect(await checksumOfVolume(from)).toBe(sum);
    await pollUntil(
      "status lists the superseded source",
      async () => {
        const unused = ((await clusterDoc())["unused_volumes"] ?? []) as Array<Record<string, unknown>>;
        return unused.find((v) => v["host"] === from.name && v["why"] === `data moved to ${moved.host.name}`);
      },
      BED_POLL,
    );
    expect(world.output).toContain(`copied from ${from.name} to ${moved.host.name} and verified`);
    await world.push({ "cluster.yaml": cluster() }, `undrain ${from.name}`);
  }, 180_000);

  it("a copy interrupted by killing the target host leaves db running on its source with its data", async () => {
    const { host: from, sum } = await writeFile(200);
    const mark = world.output.length;
    await world.push(
      { "cluster.yaml": cluster({ hosts: { [from.name]: "drain: true, move_data: true" } }) },
      `drain ${from.name}, moving data`,
    );
    // Its target helper running: the source is being checksummed or streamed right now.
    const target = await pollUntil(
      "the copy under way (its target helper running)",
      async () => {
        for (const h of others(from)) {
          const list = await dockerFor(h, { timeoutMs: 2_000 }).listContainers({
            filters: { name: [`${MOVED}-copy-target`], status: ["running"] },
          });
          if (list.length > 0) return h;
        }
        return undefined;
      },
      { ...BED_POLL, timeoutMs: 60_000 },
    );
    await killHost(target);
    try {
      await pollUntil(
        "the move reported failed",
        async () => (world.output.slice(mark).includes("moving its data from") ? true : undefined),
        BED_POLL,
      );
      // Stop asking before the retry: the point is where db is after the failure.
      await world.push({ "cluster.yaml": cluster() }, `undrain ${from.name}`);
      const back = await pollUntil(
        "db running on its source",
        async () => (await dbOn(others(target))).find((d) => d.host.name === from.name),
        { ...BED_POLL, timeoutMs: 60_000 },
      );
      expect(await checksumIn(back.host, back.id)).toBe(sum);
    } finally {
      await startHost(target);
    }
  }, 240_000);

  it("survives kill -9 of the operator during a data move, with both copies intact", async () => {
    const { host: from, sum } = await writeFile(100);
    await world.push(
      { "cluster.yaml": cluster({ hosts: { [from.name]: "drain: true, move_data: true" } }) },
      `drain ${from.name}, moving data`,
    );
    await pollUntil(
      "the copy under way",
      async () => {
        for (const h of others(from)) {
          const list = await dockerFor(h, { timeoutMs: 2_000 }).listContainers({
            all: true,
            filters: { name: [`${MOVED}-copy-target`] },
          });
          if (list.length > 0) return true;
        }
        return undefined;
      },
      { ...BED_POLL, timeoutMs: 60_000 },
    );
    const { stdout } = await run("pgrep", ["-f", `run --config ${world.configFile}`]);
    for (const pid of stdout.split("\n").filter(Boolean).map(Number)) process.kill(pid, "SIGKILL");
    await sleep(1_000);
    world.startOperator();
    const moved = await pollUntil(
      "db running elsewhere after the restart",
      async () => (await dbOn()).find((d) => d.host.name !== from.name),
      { ...BED_POLL, timeoutMs: 120_000 },
    );
    expect(await checksumIn(moved.host, moved.id)).toBe(sum);
    expect(await checksumOfVolume(from)).toBe(sum);
    expect((await dbOn()).length).toBe(1);
  }, 240_000);

  it("stays with its data when its host's capacity shrinks below what it reserves (status says so)", async () => {
    const [db] = await dbOn();
    if (db === undefined) throw new Error("no db");
    const shrunk = cluster({ hosts: { [db.host.name]: "capacity: {cpus: 0.1}" } });
    await world.push({ "cluster.yaml": shrunk }, `${db.host.name}: capacity 0.1 CPU`);
    await pollUntil(
      "status: db stays, and says why",
      async () =>
        JSON.stringify((await serviceDoc())["notes"] ?? []).includes(
          `db/1 stays on ${db.host.name}: it holds its volumes there`,
        ),
      BED_POLL,
    );
    await sleep(3_000);
    expect(await dbOn()).toEqual([db]);
    await world.push({ "cluster.yaml": cluster() }, "capacity restored");
  }, 120_000);
});
