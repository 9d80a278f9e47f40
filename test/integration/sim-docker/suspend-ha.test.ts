// gitfleet suspend in a standby group (leader_election on a real etcd), with
// the production wiring (buildOperator) of two operators on simulated Docker
// hosts, each with its own work_dir: a suspend set through instance A holds
// the fleet after A dies and B takes the lead (the switch is also a key in
// etcd, which B reads); resume lets the commit through on B. A switch that
// cannot be read (etcd answering for the lease but not for the switch) holds
// a new commit with that reason, and resume with etcd unreachable changes
// nothing and exits 2.

import { access } from "node:fs/promises";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createEtcdHttp } from "../../../src/adapters/etcd/etcd-http.js";
import { gitfleet } from "../../support/cli.js";
import { type EtcdCluster, startEtcd } from "../../support/etcd.js";
import { EtcdFaultProxy } from "../../support/etcd-fault-proxy.js";
import { gitCli } from "../../support/git-fixtures.js";
import { SimDockerEngine } from "../../support/sim-docker/server.js";
import { passWhere, SimFleet } from "../../support/sim-docker/fleet.js";

let etcd: EtcdCluster;
beforeAll(async () => {
  etcd = await startEtcd(1);
});
afterAll(async () => {
  await etcd?.stop();
});
/** How long a test waits for the pass it names. */
const PASS_MS = 60_000;
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

const images = (engine: SimDockerEngine): string[] =>
  engine.hosts.flatMap((h) => h.host.list(false, ["gitfleet.service=s1"]).map((c) => String(c["Image"])));

async function waitingInStatus(repo: string, commit: string): Promise<{ commit: string; reason: string }> {
  for (let i = 0; i < 150; i++) {
    const doc = parse(await gitCli(repo, ["show", "gitfleet/status:status/cluster.yaml"])) as {
      waiting_commit?: { commit: string; reason: string };
    };
    if (doc.waiting_commit?.commit === commit) return doc.waiting_commit;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`status never named ${commit} as waiting`);
}

const election = (key: string, endpoint: string): string =>
  `{key: ${key}, etcd: {endpoints: ["${endpoint}"]}, lease_ttl: 2s, renew_every: 300ms, renew_deadline: 1400ms}`;

describe("suspend in a standby group", () => {
  it("holds the fleet after the leader dies, until resume; an unreadable switch holds too", async () => {
    const engine = await SimDockerEngine.start(3);
    open.push(engine);
    const proxyA = await EtcdFaultProxy.start(etcd.endpoints[0]!);
    const proxyB = await EtcdFaultProxy.start(etcd.endpoints[0]!);
    open.push(proxyA, proxyB);
    const key = `gitfleet-test/suspend-ha-${process.pid}/leader`;
    const switchKey = `gitfleet-test/suspend-ha-${process.pid}/suspended`;
    const fleet = await SimFleet.create({
      endpoints: engine.hosts.map((h) => h.docker),
      services: 1,
      replicasPerService: 3,
      hostDownAfter: "60s",
      leaderElection: election(key, proxyA.url),
    });
    open.push(fleet);
    const a = fleet.operator;
    const b = await fleet.instance("b", election(key, proxyB.url));
    await a.start();
    await passWhere(a, (o) => o.converged && a.leading(), PASS_MS);
    await b.operator.start();
    await passWhere(b.operator, (o) => o.standby === true, PASS_MS);

    // Suspended through A's configuration: A's file and the fleet's key in etcd.
    const s = await gitfleet([
      "suspend",
      "-c",
      path.join(fleet.dir, "gitfleet.yaml"),
      "--reason",
      "incident 42",
      "--json",
    ]);
    expect(s.code, s.stderr).toBe(0);
    expect(JSON.parse(s.stdout)).toMatchObject({
      suspended: true,
      etcd_key: switchKey,
      reason: "incident 42",
    });
    const kv = await createEtcdHttp({ endpoints: etcd.endpoints, timeoutMs: 5_000 }).get(switchKey);
    expect(JSON.parse(kv!.value)).toMatchObject({ reason: "incident 42", by: expect.stringMatching(/@/) });
    await expect(access(path.join(b.workDir, "suspended.json"))).rejects.toThrow();

    await fleet.changeService("s1", 2);
    const c2 = (await gitCli(fleet.repo, ["rev-parse", "HEAD"])).trim();
    // A dies: cut off etcd (it cannot resign; its lease runs out as after kill -9), then stopped.
    proxyA.down = true;
    await a.stop();
    const held = await passWhere(
      b.operator,
      (o) => b.operator.leading() && o.snapshot?.waiting?.commit.commit === c2,
      PASS_MS,
    );
    expect(held.snapshot?.desired?.commit).not.toBe(c2);
    expect(held.snapshot?.waiting?.reason).toMatch(/^suspended by .*incident 42/);
    expect(images(engine)).toEqual(Array(3).fill("registry.invalid/s1:1"));
    expect((await waitingInStatus(fleet.repo, c2)).reason).toContain("incident 42");

    // Resume where etcd does not answer (A's configuration): it says so, exits 2, changes nothing.
    const refused = await gitfleet(["resume", "-c", path.join(fleet.dir, "gitfleet.yaml"), "--json"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("did not resume");
    expect(JSON.parse(refused.stdout).errors[0].code).toBe("suspend-switch-unreachable");
    expect(
      await createEtcdHttp({ endpoints: etcd.endpoints, timeoutMs: 5_000 }).get(switchKey),
    ).toBeDefined();
    await access(path.join(fleet.dir, "work", "suspended.json"));
    await passWhere(b.operator, (o) => o.snapshot?.waiting?.commit.commit === c2, PASS_MS);

    // Resume through B's configuration: the key goes, B applies the waiting commit.
    const r = await gitfleet(["resume", "-c", b.config, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      suspended: false,
      was_suspended: true,
      etcd_key: switchKey,
    });
    await passWhere(b.operator, (o) => o.converged && o.snapshot?.desired?.commit === c2, PASS_MS);
    expect(images(engine)).toEqual(Array(3).fill("registry.invalid/s1:2"));

    // etcd answers for the lease but not for the switch: B still leads, a new commit waits.
    proxyB.failReadsOf = switchKey;
    await fleet.changeService("s1", 3);
    const c3 = (await gitCli(fleet.repo, ["rev-parse", "HEAD"])).trim();
    const unknown = await passWhere(b.operator, (o) => o.snapshot?.waiting?.commit.commit === c3, PASS_MS);
    expect(b.operator.leading()).toBe(true);
    expect(proxyB.failedReads).toBeGreaterThan(0);
    expect(unknown.snapshot?.waiting?.reason).toContain("the suspend switch could not be read");
    expect(unknown.snapshot?.waiting?.reason).toContain("etcd-unreachable");
    expect(images(engine)).toEqual(Array(3).fill("registry.invalid/s1:2"));
    expect((await waitingInStatus(fleet.repo, c3)).reason).toContain("could not be read");

    proxyB.failReadsOf = undefined;
    await passWhere(b.operator, (o) => o.converged && o.snapshot?.desired?.commit === c3, PASS_MS);
    expect(images(engine)).toEqual(Array(3).fill("registry.invalid/s1:3"));
  });
});
