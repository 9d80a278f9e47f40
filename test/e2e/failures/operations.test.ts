// Drills of issue 6 that are not a host fault alone: draining a host from
// Git, kill -9 of the operator in the middle of a rolling update, and a host
// failure while the Git server is down. Same checks after each: exactly one
// container per slot, the expected hosts, status in Git matching the hosts.

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gitCli } from "../../support/git-fixtures.js";
import { dockerFor, hostNamed, killHost, resetTestbed, startHost } from "../../support/testbed.js";
import { BED_POLL, managed, type Managed, OperatorWorld, serving } from "../operator/support.js";
import { pollUntil } from "../../support/poll.js";
import {
  commitLabels,
  DESIRED,
  failureCluster,
  failureServices,
  hostState,
  others,
  replicas,
  servingLow,
  servingOn,
  settled,
} from "./support.js";

const run = promisify(execFile);
let world: OperatorWorld;

beforeAll(async () => {
  await resetTestbed();
  world = await OperatorWorld.create({});
  await world.push({ "cluster.yaml": failureCluster(), ...failureServices() }, "operations drills");
  world.startOperator();
  await pollUntil("the drill services deployed", () => settled(world), { ...BED_POLL, timeoutMs: 120_000 });
}, 180_000);

afterAll(async () => {
  await world?.close();
  await resetTestbed();
});

const drained = (host: string) => failureCluster().replace(`{name: ${host},`, `{name: ${host}, drain: true,`);

/** kill -9 of the operator process (found by its own, unique config file path; killed by pid). */
async function killOperator(): Promise<void> {
  const { stdout } = await run("pgrep", ["-f", `run --config ${world.configFile}`]);
  const pids = stdout.split("\n").filter(Boolean).map(Number);
  expect(pids.length).toBeGreaterThan(0);
  for (const pid of pids) process.kill(pid, "SIGKILL");
}

describe("operations under failure", () => {
  it("drains a host from Git start-first, then takes it back into placement", async () => {
    const h2 = hostNamed("h2");
    const watch = servingLow(Object.keys(DESIRED));
    const commit = await world.push({ "cluster.yaml": drained("h2") }, "drain h2");
    await pollUntil(
      "status: h2 draining",
      async () => (await hostState(world, "h2")) === "draining",
      BED_POLL,
    );
    await pollUntil("every replica off h2", () => servingOn(others(h2)), { ...BED_POLL, timeoutMs: 60_000 });
    await pollUntil("settled after the drain", () => settled(world), { ...BED_POLL, timeoutMs: 60_000 });
    expect(await watch.stop()).toBeGreaterThanOrEqual(Math.min(...Object.values(DESIRED)));
    expect(replicas(await managed()).filter((c) => c.host === "h2")).toEqual([]);
    expect(await world.status("status/cluster.yaml")).toContain(commit.slice(0, 7));
    // Undrain: h2 takes work again (a scale-up lands there, spread by zone).
    await world.push({ "cluster.yaml": failureCluster() }, "undrain h2");
    await pollUntil("status: h2 up", async () => (await hostState(world, "h2")) === "up", BED_POLL);
    await world.push(
      {
        "services/web.yaml":
          failureServices()["services/web.yaml"]?.replace("replicas: 3", "replicas: 4") ?? "",
      },
      "web: 4",
    );
    await pollUntil(
      "web/4 on h2",
      async () => serving(await managed("web")).some((c) => c.host === "h2" && c.slot === "4"),
      BED_POLL,
    );
    await world.push({ "services/web.yaml": failureServices()["services/web.yaml"] ?? "" }, "web: 3");
    await pollUntil("settled after undrain", () => settled(world), { ...BED_POLL, timeoutMs: 60_000 });
  }, 240_000);

  it("survives kill -9 of the operator during a rolling update of three replicas", async () => {
    const before = await pollUntil("a settled cluster", () => settled(world), {
      ...BED_POLL,
      timeoutMs: 60_000,
    });
    const watch = servingLow(Object.keys(DESIRED));
    const v2 = failureServices()["services/web.yaml"]?.replace("gitfleet/web:1", "gitfleet/web:2") ?? "";
    await world.push({ "services/web.yaml": v2 }, "web: v2");
    // Kill it while the update is under way: one v2 replica exists, not all three.
    await pollUntil(
      "the rolling update under way",
      async () => {
        const n = (await managed("web")).filter((c) => c.image === "gitfleet/web:2").length;
        return n >= 1 && n < 3;
      },
      { ...BED_POLL, timeoutMs: 60_000 },
    );
    await killOperator();
    await new Promise((r) => setTimeout(r, 2_000));
    world.startOperator();
    const after = await pollUntil(
      "web all on v2, one container per slot",
      async () => {
        const all = await settled(world);
        return all?.filter((c) => c.service === "web").every((c) => c.image === "gitfleet/web:2")
          ? all
          : undefined;
      },
      { ...BED_POLL, timeoutMs: 90_000 },
    );
    expect(await watch.stop()).toBeGreaterThanOrEqual(Math.min(...Object.values(DESIRED)));
    // No orphans: every container is a slot's one container, and the others are untouched.
    expect(after).toHaveLength(before.length);
    const api = (l: readonly Managed[]) =>
      l
        .filter((c) => c.service === "api")
        .map((c) => c.id)
        .sort();
    expect(api(after)).toEqual(api(before));
  }, 240_000);

  it("fails over and heals through a one-minute Git outage, and commits status once Git is back", async () => {
    const OUTAGE_MS = 60_000;
    const before = await pollUntil("a settled cluster", () => settled(world), {
      ...BED_POLL,
      timeoutMs: 60_000,
    });
    // The last good commit: what the operator applied before Git went away.
    const tip = (await gitCli(world.bare, ["rev-parse", "main"])).trim();
    const specs = new Set(before.map((c) => `${c.service}:${c.specHash}`));
    const victim = hostNamed(before.find((c) => c.service === "web")?.host ?? "h1");
    const survivors = others(victim);
    await world.server.stop();
    const down = Date.now();
    await killHost(victim);
    const failedOver = await pollUntil("every replica serving on the survivors", () => servingOn(survivors), {
      ...BED_POLL,
      timeoutMs: 30_000,
    });
    const ms = Date.now() - down;
    process.stderr.write(`[failover] during a Git outage: ${ms} ms\n`);
    expect(ms).toBeLessThan(10_000);

    // Healing without Git: a replica on a survivor is killed and must come back (a restart in
    // place or a new container) while Git is still down. One that was there before the outage,
    // so the kill does not land in the middle of the failover's own move.
    const target = failedOver.find((c) => c.service === "web" && before.some((b) => b.id === c.id));
    if (target === undefined) throw new Error("a web replica expected");
    const docker = dockerFor(hostNamed(target.host), { timeoutMs: 5_000 });
    const startedAt = (await docker.getContainer(target.id).inspect()).State.StartedAt;
    await docker.getContainer(target.id).kill();
    const killed = Date.now();
    const healed = await pollUntil(
      `${target.service}/${target.slot} replaced`,
      async () => {
        const all = await servingOn(survivors);
        const now = all?.find((c) => c.service === target.service && c.slot === target.slot);
        if (all === undefined || now === undefined) return undefined;
        if (now.id !== target.id) return all;
        const again = (await docker.getContainer(now.id).inspect()).State.StartedAt;
        return again !== startedAt ? all : undefined;
      },
      { ...BED_POLL, timeoutMs: 30_000 },
    );
    process.stderr.write(`[healing] during a Git outage: ${Date.now() - killed} ms\n`);
    expect(Date.now() - down).toBeLessThan(OUTAGE_MS);

    // Still the last good commit: the same specs, and what was created during the outage was
    // created for the commit applied before it.
    const expectLastGood = async (list: readonly Managed[]) => {
      const labels = await commitLabels(survivors);
      for (const c of list) {
        expect(specs).toContain(`${c.service}:${c.specHash}`);
        if (!before.some((b) => b.id === c.id)) expect(labels.get(c.id)).toBe(tip);
      }
    };
    await expectLastGood(healed);
    // The rest of the minute; then the cluster must still be whole, on the same commit.
    await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - down))));
    await expectLastGood(
      await pollUntil("still serving at the end of the outage", () => servingOn(survivors), BED_POLL),
    );
    await world.server.resume();
    const back = Date.now();
    process.stderr.write(`[git] down for ${back - down} ms\n`);
    // The failed status write is retried by the next pass: the next poll (20 s here) at the latest.
    await pollUntil(
      `status: ${victim.name} down`,
      async () => (await hostState(world, victim.name)) === "down",
      { ...BED_POLL, timeoutMs: 45_000 },
    );
    process.stderr.write(`[git] status committed ${Date.now() - back} ms after Git came back\n`);
    await startHost(victim);
    await pollUntil("settled after the outage", () => settled(world), { ...BED_POLL, timeoutMs: 90_000 });
  }, 330_000);
});
