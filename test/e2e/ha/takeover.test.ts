// Issue 20: standby operators with a lease on etcd. Three `gitfleet run`
// processes share one configuration and a three-member etcd; one leads. Each
// drill faults the leader (kill -9 mid-rollout, SIGSTOP past its lease, cut off
// etcd) or etcd itself (a member killed), and then checks: a standby takes over
// within 10 s of the fault, the rollout completes, exactly one container per
// slot, the old leader does nothing after it lost the lease (no container of its
// epoch created after the takeover), and status commits come from one writer at a
// time (epochs never go back on the status branch).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerFor, freezeHost, resetTestbed, TESTBED, thawHost } from "../../support/testbed.js";
import { type EtcdCluster, startEtcd } from "../../support/etcd.js";
import { gitCli } from "../../support/git-fixtures.js";
import { CLUSTER, OperatorWorld, STATUS_BRANCH, waitFor } from "../operator/support.js";
import {
  complete,
  DESIRED,
  failureCluster,
  failureServices,
  others,
  replicas,
  servingOn,
} from "../failures/support.js";
import { managed } from "../operator/support.js";
import { type Instance, leaderInEtcd, type LeaderSeen, standbyGroup } from "./support.js";

let world: OperatorWorld;
let etcd: EtcdCluster;
let group: Instance[];
const takeovers: Record<string, number> = {};

const byPid = (pid: number): Instance => {
  const i = group.find((g) => g.pid === pid);
  if (i === undefined) throw new Error(`no instance with pid ${pid}`);
  return i;
};

async function currentLeader(): Promise<LeaderSeen> {
  return waitFor("a leader in etcd", () => leaderInEtcd(etcd), 120_000);
}

/** The next leader after `old`, and how long after `faultAt` etcd named it. */
async function takeover(old: LeaderSeen, faultAt: number): Promise<{ leader: LeaderSeen; ms: number }> {
  const leader = await waitFor(
    "a new leader",
    async () => {
      const l = await leaderInEtcd(etcd);
      return l !== undefined && l.epoch > old.epoch && l.pid !== old.pid ? l : undefined;
    },
    30_000,
  );
  return { leader, ms: Date.now() - faultAt };
}

/** Containers (any state) with their epoch label and creation time. */
async function epochs(): Promise<{ name: string; epoch: number; created: number }[]> {
  const out: { name: string; epoch: number; created: number }[] = [];
  for (const h of TESTBED.hosts) {
    const list = await dockerFor(h, { timeoutMs: 5_000 })
      .listContainers({ all: true, filters: { label: [`gitfleet.cluster=${CLUSTER}`, "gitfleet.epoch"] } })
      .catch(() => []);
    for (const c of list)
      out.push({
        name: c.Names[0] ?? "",
        epoch: Number(c.Labels["gitfleet.epoch"]),
        created: c.Created * 1000,
      });
  }
  return out;
}

/** Epochs of the status commits, oldest first (trailer Gitfleet-Epoch). */
async function statusEpochs(): Promise<number[]> {
  const log = await gitCli(world.bare, [
    "log",
    "--reverse",
    "--format=%(trailers:key=Gitfleet-Epoch,valueonly)",
    STATUS_BRANCH,
  ]);
  return log
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .map(Number);
}

/**
 * What systemd's Restart=always does: an instance that exited (killed, or its lease lost)
 * is started again, and comes back as a standby.
 */
async function supervise(): Promise<void> {
  for (const g of group) if (!g.running) g.start();
  await new Promise((r) => setTimeout(r, 2_000));
}

async function converged(image?: string): Promise<void> {
  await waitFor(
    "every slot serving" + (image ? ` on ${image}` : ""),
    async () => {
      const all = replicas(await managed());
      if (!complete(all)) return undefined;
      return (
        image === undefined || all.filter((c) => c.service === "web").every((c) => c.image.endsWith(image))
      );
    },
    90_000,
  );
}

function webAt(version: number): Record<string, string> {
  const web = failureServices()["services/web.yaml"] ?? "";
  return {
    "services/web.yaml": web
      .replace("gitfleet/web:1", `gitfleet/web:${version}`)
      .replace("monitor: 1s", "monitor: 3s"),
  };
}

beforeAll(async () => {
  await resetTestbed();
  etcd = await startEtcd(3);
  world = await OperatorWorld.create({});
  await world.push({ "cluster.yaml": failureCluster(), ...failureServices() }, "fleet");
  group = await standbyGroup(world, etcd, ["a", "b", "c"]);
  for (const g of group) g.start();
  await currentLeader();
  await converged();
}, 300_000);

afterAll(async () => {
  for (const g of group ?? []) await g.stop().catch(() => undefined);
  if (process.env["GITFLEET_E2E_LOG"])
    world.output = group.map((g) => `=== ${g.name}\n${g.output}`).join("\n");
  await world?.close();
  await etcd?.stop();
  console.log(`takeover times (ms): ${JSON.stringify(takeovers)}`);
});

describe("standby operators on an etcd lease", () => {
  it("exactly one instance leads; standbys do not act and status names the leader's epoch", async () => {
    const leader = await currentLeader();
    expect(group.filter((g) => g.output.includes("elected leader"))).toHaveLength(1);
    const made = await epochs();
    expect(made.length).toBeGreaterThan(0);
    expect(new Set(made.map((m) => m.epoch))).toEqual(new Set([leader.epoch]));
    await waitFor("status with the leader", async () =>
      (await world.status("status/cluster.yaml")).includes(`epoch: ${leader.epoch}`),
    );
  });

  it("kill -9 of the leader mid-rollout: a standby takes over within 10 s and finishes the rollout", async () => {
    const old = await currentLeader();
    await world.repo.commitAndPush(webAt(2), "web 2");
    await waitFor(
      "the rollout under way",
      async () => (await managed("web")).some((c) => c.image.endsWith("web:2")),
      60_000,
    );
    const faultAt = Date.now();
    await byPid(old.pid).kill9();
    const { leader, ms } = await takeover(old, faultAt);
    takeovers["kill -9"] = ms;
    expect(ms).toBeLessThan(10_000);
    await converged("web:2");
    const late = (await epochs()).filter((m) => m.created > faultAt);
    expect(late.every((m) => m.epoch === leader.epoch)).toBe(true);
    byPid(leader.pid); // still ours
    await supervise();
  });

  it("SIGSTOP of the leader past its lease: a standby takes over; the woken one is fenced and acts no more", async () => {
    const old = await currentLeader();
    const paused = byPid(old.pid);
    const faultAt = Date.now();
    paused.pause();
    const { leader, ms } = await takeover(old, faultAt);
    takeovers["SIGSTOP"] = ms;
    expect(ms).toBeLessThan(10_000);
    await world.repo.commitAndPush(webAt(1), "web back to 1");
    await converged("web:1");
    const resumedAt = Date.now();
    paused.resume();
    await waitFor(
      "the woken leader to know it lost",
      async () => paused.output.includes("leadership lost"),
      20_000,
    );
    await new Promise((r) => setTimeout(r, 5_000));
    const afterWake = (await epochs()).filter((m) => m.created >= resumedAt - 1_000);
    expect(afterWake.filter((m) => m.epoch === old.epoch)).toEqual([]);
    expect((await leaderInEtcd(etcd))?.pid).toBe(leader.pid);
    await converged("web:1");
    await supervise();
  });

  it("the leader cut off from etcd (not from the hosts) stops acting; a standby takes over", async () => {
    const old = await currentLeader();
    const cut = byPid(old.pid);
    const faultAt = Date.now();
    cut.cutEtcd();
    const { ms } = await takeover(old, faultAt);
    takeovers["cut from etcd"] = ms;
    expect(ms).toBeLessThan(10_000);
    expect(cut.output).toContain("leadership lost");
    await world.repo.commitAndPush(webAt(2), "web 2 again");
    await converged("web:2");
    const late = (await epochs()).filter((m) => m.created > faultAt + 4_000);
    expect(late.filter((m) => m.epoch === old.epoch)).toEqual([]);
    cut.restoreEtcd();
    await supervise();
  });

  it("an etcd member killed: a leader still holds the fleet and a host failure is still failed over", async () => {
    const before = await currentLeader();
    etcd.members[0]?.kill();
    await new Promise((r) => setTimeout(r, 3_000));
    const after = await currentLeader();
    if (after.epoch !== before.epoch) takeovers["etcd member killed"] = 0;
    const victim = TESTBED.hosts[2]!;
    await freezeHost(victim);
    try {
      await waitFor("failover off the frozen host", () => servingOn(others(victim), DESIRED), 60_000);
    } finally {
      await thawHost(victim);
    }
    await converged();
  });

  it("a host killed while the leader is replaced is failed over within takeover + failover time", async () => {
    const old = await currentLeader();
    const victim = TESTBED.hosts[1]!;
    const faultAt = Date.now();
    await byPid(old.pid).kill9();
    await freezeHost(victim);
    try {
      const { ms } = await takeover(old, faultAt);
      takeovers["kill -9 + host frozen"] = ms;
      await waitFor(
        "failover off the frozen host",
        () => servingOn(others(victim), DESIRED),
        10_000 + 30_000,
      );
    } finally {
      await thawHost(victim);
    }
    await converged();
  });

  it("status commits came from one writer at a time: their epochs never go back", async () => {
    const seen = await statusEpochs();
    expect(seen.length).toBeGreaterThan(3);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]!);
    expect(new Set(seen).size).toBeGreaterThanOrEqual(3);
  });
});
