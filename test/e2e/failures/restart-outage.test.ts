// Issue 15, item 4: the operator restarted while the Git server is down. It
// resumes the last commit it accepted from its own cache (its work dir), heals
// a killed replica and fails over as usual, warns about the outage once (not
// on every pass), and the status it commits once Git is back says the desired
// state was resumed from the cache.

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gitCli } from "../../support/git-fixtures.js";
import { dockerFor, hostNamed, resetTestbed, TESTBED } from "../../support/testbed.js";
import { BED_POLL, managed, OperatorWorld } from "../operator/support.js";
import { pollUntil } from "../../support/poll.js";
import { commitLabels, failureCluster, failureServices, replicas, servingOn, settled } from "./support.js";

const run = promisify(execFile);
let world: OperatorWorld;

beforeAll(async () => {
  await resetTestbed();
  world = await OperatorWorld.create({});
  await world.push({ "cluster.yaml": failureCluster(), ...failureServices() }, "restart drills");
  world.startOperator();
  await pollUntil("the drill services deployed", () => settled(world), { ...BED_POLL, timeoutMs: 120_000 });
}, 180_000);

afterAll(async () => {
  await world?.close();
  await resetTestbed();
});

/** kill -9 of the operator process (found by its own, unique config file path; killed by pid). */
async function killOperator(): Promise<void> {
  const { stdout } = await run("pgrep", ["-f", `run --config ${world.configFile}`]);
  const pids = stdout.split("\n").filter(Boolean).map(Number);
  expect(pids.length).toBeGreaterThan(0);
  for (const pid of pids) process.kill(pid, "SIGKILL");
}

/** The operator's JSON log lines printed after `from` (an offset into world.output). */
function linesSince(from: number): Array<{ level: number; msg: string; suppressed?: number }> {
  return world.output
    .slice(from)
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { level: number; msg: string });
}

describe("restart during a Git outage", () => {
  it("resumes the cached commit, heals a killed replica, rate-limits its warnings, and reports staleness", async () => {
    const before = await pollUntil("a settled cluster", () => settled(world), {
      ...BED_POLL,
      timeoutMs: 60_000,
    });
    const tip = (await gitCli(world.bare, ["rev-parse", "main"])).trim();
    const specs = new Set(before.map((c) => `${c.service}:${c.specHash}`));

    await world.server.stop();
    await killOperator();
    const from = world.output.length;
    world.startOperator();
    await pollUntil(
      "the operator resumed from its cache",
      async () => world.output.slice(from).includes("resumed the last desired commit from the cache"),
      BED_POLL,
    );
    // A restart changes nothing that runs: the same containers, none added.
    const afterRestart = replicas(await managed());
    expect(afterRestart.map((c) => c.id).sort()).toEqual(before.map((c) => c.id).sort());

    // Healing: a web replica killed while Git is down and the operator has never reached it.
    const target = before.find((c) => c.service === "web");
    if (target === undefined) throw new Error("a web replica expected");
    await dockerFor(hostNamed(target.host), { timeoutMs: 5_000 }).getContainer(target.id).kill();
    const killed = Date.now();
    const healed = await pollUntil(
      `${target.service}/${target.slot} replaced`,
      async () => {
        const all = await servingOn(TESTBED.hosts);
        const now = all?.find((c) => c.service === target.service && c.slot === target.slot);
        return now !== undefined && now.id !== target.id ? all : undefined;
      },
      { ...BED_POLL, timeoutMs: 30_000 },
    );
    process.stderr.write(`[healing] after a restart during a Git outage: ${Date.now() - killed} ms\n`);
    // Exact counts: one container per slot on the hosts (the killed one replaced, not kept beside).
    expect(healed).toHaveLength(before.length);
    expect(replicas(await managed())).toHaveLength(before.length);
    // What was created was created for the commit applied before the outage, with the same specs.
    const labels = await commitLabels(TESTBED.hosts);
    for (const c of healed) {
      expect(specs).toContain(`${c.service}:${c.specHash}`);
      if (!before.some((b) => b.id === c.id)) expect(labels.get(c.id)).toBe(tip);
    }

    // Log noise: let the outage go on for a while, then count warnings per kind.
    await new Promise((r) => setTimeout(r, 20_000));
    const lines = linesSince(from);
    const warns = (msg: string) => lines.filter((l) => l.level === 40 && l.msg.startsWith(msg)).length;
    const polls = lines.filter((l) => l.msg.startsWith("git: poll failed")).length;
    process.stderr.write(`[log] ${polls} failed polls, ${warns("git: poll failed")} warned\n`);
    expect(polls).toBeGreaterThan(2);
    expect(warns("git: poll failed")).toBe(1);
    expect(warns("git: status not pushed")).toBeLessThanOrEqual(1);
    expect(warns("status not written")).toBeLessThanOrEqual(1);

    // Git back: the status commit says the desired state was resumed from the cache.
    await world.server.resume();
    await pollUntil(
      "status: resumed from the cache",
      async () => {
        const doc = await world.status("status/cluster.yaml");
        return doc.includes(`resumed commit ${tip.slice(0, 7)} from the operator's cache`) && doc;
      },
      { ...BED_POLL, timeoutMs: 60_000 },
    );
    await pollUntil("settled after the outage", () => settled(world), { ...BED_POLL, timeoutMs: 60_000 });
  }, 240_000);
});
