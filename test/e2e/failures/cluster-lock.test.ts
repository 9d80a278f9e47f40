// Issue 15, item 8: the cluster lock, the guard of single-instance mode. A
// second operator started against the same cluster finds the lock on the hosts,
// refuses to act and names the holder (host, pid, start time), and nothing of
// the first one's work is touched. A crashed operator's lock (kill -9) is taken
// over by another instance once its 15 s lease runs out unrenewed; the same
// operator restarted (same work dir) takes its own lock back at once.

import { spawn, execFile, type ChildProcess } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerFor, hostNamed, resetTestbed, TESTBED } from "../../support/testbed.js";
import { BED_POLL, CLUSTER, managed, type Managed, OperatorWorld } from "../operator/support.js";
import { pollUntil } from "../../support/poll.js";
import { failureCluster, failureServices, replicas, servingOn, settled } from "./support.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const LEASE_MS = 15_000;
const run = promisify(execFile);
let world: OperatorWorld;

/** Another `gitfleet run` against the same repository and cluster, with its own work dir. */
class SecondOperator {
  output = "";
  readonly exit: Promise<number | null>;
  private constructor(readonly child: ChildProcess) {
    child.stdout?.on("data", (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (this.output += d.toString()));
    this.exit = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
  }

  static async start(workDir: string): Promise<SecondOperator> {
    const config = path.join(world.dir, `${path.basename(workDir)}.yaml`);
    const text = (await readFile(world.configFile, "utf8"))
      .split("\n")
      .filter((l) => !l.startsWith("webhook:")) // the first operator's port
      .map((l) => (l.startsWith("work_dir:") ? `work_dir: ${workDir}` : l))
      .join("\n");
    await writeFile(config, text);
    const child = spawn(
      process.execPath,
      ["--import", "tsx", path.join(ROOT, "src/cli/main.ts"), "run", "--config", config],
      { cwd: ROOT, env: { ...process.env, GITFLEET_LOG_LEVEL: "debug" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    return new SecondOperator(child);
  }

  kill9(): Promise<number | null> {
    this.child.kill("SIGKILL");
    return this.exit;
  }
}

/** The lock record on every host: holder pid per host ("" when none). */
async function lockHolders(): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const h of TESTBED.hosts) {
    const list = await dockerFor(h, { timeoutMs: 5_000 }).listContainers({
      all: true,
      filters: { label: [`gitfleet.lock=${CLUSTER}`] },
    });
    out[h.name] = list.map((c) => c.Labels["gitfleet.lock.pid"] ?? "");
  }
  return out;
}

const everywhere = (pid: number) => Object.fromEntries(TESTBED.hosts.map((h) => [h.name, [String(pid)]]));

async function operatorPid(configFile: string): Promise<number> {
  const { stdout } = await run("pgrep", ["-f", `run --config ${configFile}`]);
  const pids = stdout.split("\n").filter(Boolean).map(Number);
  expect(pids).toHaveLength(1);
  return pids[0] ?? 0;
}

/** Every managed container (replicas and edges) per host, as "name:id:state". */
async function snapshot(): Promise<Record<string, string[]>> {
  const all = await managed();
  const out: Record<string, string[]> = {};
  for (const h of TESTBED.hosts)
    out[h.name] = all
      .filter((c: Managed) => c.host === h.name)
      .map((c) => `${c.name}:${c.id.slice(0, 12)}:${c.state}`)
      .sort();
  return out;
}

beforeAll(async () => {
  await resetTestbed();
  world = await OperatorWorld.create({});
  await world.push({ "cluster.yaml": failureCluster(), ...failureServices() }, "lock drills");
  world.startOperator();
  await pollUntil("the drill services deployed", () => settled(world), { ...BED_POLL, timeoutMs: 120_000 });
}, 180_000);

afterAll(async () => {
  await world?.close();
  await resetTestbed();
});

describe("the cluster lock", () => {
  it("a second operator refuses to act, names the holder, and touches nothing", async () => {
    await pollUntil("a settled cluster", () => settled(world), { ...BED_POLL, timeoutMs: 60_000 });
    const holder = await operatorPid(world.configFile);
    await pollUntil(
      "the lock on every host",
      async () =>
        JSON.stringify(await lockHolders()) === JSON.stringify(everywhere(holder)) ? true : undefined,
      BED_POLL,
    );
    // The first operator's own last status write (converged) is in, so any later change would be the second's.
    await pollUntil(
      "status: converged",
      async () => (await world.status("status/cluster.yaml")).includes("kind: applied"),
      BED_POLL,
    );
    const before = await snapshot();
    const statusTip = await world.status("status/cluster.yaml");

    const started = Date.now();
    const second = await SecondOperator.start(path.join(world.dir, "second-cache"));
    const code = await Promise.race([
      second.exit,
      new Promise<"timeout">((r) => setTimeout(() => r("timeout"), LEASE_MS * 3)),
    ]);
    process.stderr.write(`[lock] second operator refused after ${Date.now() - started} ms\n`);
    expect(code).toBe(5);
    expect(second.output).toContain(
      `gitfleet run: refusing to act: the cluster is locked by another operator: ${hostname()} pid ${holder} (instance `,
    );
    // It never observed, planned, changed or reported anything.
    expect(second.output).not.toMatch(/"msg":"pass(: converged| done)"/);
    expect(second.output).not.toContain("status pushed");
    expect(await snapshot()).toEqual(before);
    expect(await lockHolders()).toEqual(everywhere(holder));
    expect(await world.status("status/cluster.yaml")).toBe(statusTip);
    // Exact counts: the 5 drill replicas, and each host its one edge (the snapshot above held the ids).
    const all = Object.values(before).flat();
    expect(all.filter((n) => /^gf-e2e-(web|api)-/.test(n))).toHaveLength(5);
    for (const list of Object.values(before))
      expect(list.filter((n) => n.startsWith(`gf-${CLUSTER}-edge:`))).toHaveLength(1);
  }, 120_000);

  it("kill -9: another instance takes over within the lease; the same one restarted takes it back at once", async () => {
    const before = await pollUntil("a settled cluster", () => settled(world), {
      ...BED_POLL,
      timeoutMs: 60_000,
    });
    const pid = await operatorPid(world.configFile);
    process.kill(pid, "SIGKILL");
    const killed = Date.now();
    const next = await SecondOperator.start(path.join(world.dir, "next-cache"));
    const nextPid = next.child.pid ?? 0;
    await pollUntil(
      "the new instance holds the lock everywhere",
      async () =>
        JSON.stringify(await lockHolders()) === JSON.stringify(everywhere(nextPid)) ? true : undefined,
      { ...BED_POLL, timeoutMs: LEASE_MS * 3 },
    );
    const takeover = Date.now() - killed;
    process.stderr.write(`[lock] taken over ${takeover} ms after kill -9 of the holder\n`);
    expect(next.output).toContain("was not renewed for its lease: taking it over");
    // Lease 15 s, measured from the new instance's first look, plus its checks every 5 s.
    expect(takeover).toBeLessThan(LEASE_MS + 12_000);
    expect(takeover).toBeGreaterThan(LEASE_MS - 1_000);

    // And it acts: a killed replica is replaced.
    const target = replicas(before).find((c) => c.service === "web");
    if (target === undefined) throw new Error("a web replica expected");
    await dockerFor(hostNamed(target.host), { timeoutMs: 5_000 }).getContainer(target.id).kill();
    await pollUntil(
      "the killed replica replaced by the new instance",
      async () => {
        const all = await servingOn(TESTBED.hosts);
        const now = all?.find((c) => c.service === target.service && c.slot === target.slot);
        return now !== undefined && now.id !== target.id ? all : undefined;
      },
      { ...BED_POLL, timeoutMs: 30_000 },
    );

    // The same instance (same work dir) after kill -9: its own lock, taken back without waiting.
    await next.kill9();
    const restartedAt = Date.now();
    const again = await SecondOperator.start(path.join(world.dir, "next-cache"));
    const againPid = again.child.pid ?? 0;
    await pollUntil(
      "the restarted instance holds the lock everywhere",
      async () =>
        JSON.stringify(await lockHolders()) === JSON.stringify(everywhere(againPid)) ? true : undefined,
      { ...BED_POLL, timeoutMs: LEASE_MS },
    );
    const back = Date.now() - restartedAt;
    process.stderr.write(`[lock] the same instance took its lock back ${back} ms after its restart\n`);
    expect(again.output).toContain("held by a previous run of this operator: taken back");
    expect(back).toBeLessThan(LEASE_MS - 5_000);

    // A clean stop gives the lock back: the first operator starts at once.
    again.child.kill("SIGTERM");
    expect(await again.exit).toBe(0);
    expect(await lockHolders()).toEqual(Object.fromEntries(TESTBED.hosts.map((h) => [h.name, []])));
    world.startOperator();
    const firstPid = await pollUntil(
      "the first operator running",
      () => operatorPid(world.configFile),
      BED_POLL,
    );
    await pollUntil(
      "the first operator holds the lock again",
      async () =>
        JSON.stringify(await lockHolders()) === JSON.stringify(everywhere(firstPid)) ? true : undefined,
      BED_POLL,
    );
    await pollUntil("settled again", () => settled(world), { ...BED_POLL, timeoutMs: 60_000 });
  }, 180_000);
});
