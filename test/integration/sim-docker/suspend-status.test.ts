// What the suspend switch shows and how resume lifts it, with the production
// wiring (buildOperator) of an operator in a standby group on a real etcd
// (reached through three fault proxies) and simulated Docker hosts:
// - suspended with no commit waiting, status/cluster.yaml and `gitfleet status`
//   (live with --config, as recorded with --repository) say so, with each hold;
// - etcd hanging on the switch: status says unknown (never not suspended), a
//   new commit waits, and the poll is delayed by one read deadline, not one per
//   endpoint;
// - a suspended.json left in an instance's own work_dir holds it until a
//   resume run with any instance's configuration, which lifts it for all;
// - its /metrics (metrics.listen) says each of these: gitfleet_suspended 1/0,
//   and while etcd hangs no gitfleet_suspended and gitfleet_suspend_switch_up 0;
// - `gitfleet status` exits 4 (suspend-switch-unknown) while the switch is unknown.

import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { gitfleet } from "../../support/cli.js";
import { type EtcdCluster, startEtcd } from "../../support/etcd.js";
import { EtcdFaultProxy } from "../../support/etcd-fault-proxy.js";
import { gitCli } from "../../support/git-fixtures.js";
import { freePort } from "../edge/http-backends.js";
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
const PASS_MS = 90_000;
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

interface Suspended {
  state: string;
  error_code?: string;
  holds: { switch: string; where: string; reason: string | null }[];
  lifted?: { switch: string; reason: string | null }[];
  source?: string;
}

/** status/cluster.yaml's `suspended:` once `ok` accepts it (polled: the operator commits at its pace). */
async function recorded(
  repo: string,
  ok: (s: Suspended | undefined) => boolean,
): Promise<Record<string, unknown>> {
  for (let i = 0; i < 300; i++) {
    const doc = parse(await gitCli(repo, ["show", "gitfleet/status:status/cluster.yaml"])) as Record<
      string,
      unknown
    >;
    if (ok(doc["suspended"] as Suspended | undefined)) return doc;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("status/cluster.yaml never said so");
}

interface StatusJson {
  suspended: Suspended;
  waiting_commit: unknown;
  errors: { code: string }[];
}

async function statusJson(args: string[], exit = 0): Promise<StatusJson> {
  const r = await gitfleet(["status", ...args, "--json"]);
  expect(r.code, r.stderr).toBe(exit);
  return JSON.parse(r.stdout) as StatusJson;
}

type SwitchMetrics = { suspended: number | undefined; up: number | undefined };

/** gitfleet_suspended and gitfleet_suspend_switch_up from the real /metrics once `ok` accepts them. */
async function scraped(base: string, ok: (m: SwitchMetrics) => boolean): Promise<SwitchMetrics> {
  const sample = (text: string, name: string): number | undefined => {
    const line = text.split("\n").find((l) => l.startsWith(`${name} `));
    return line === undefined ? undefined : Number(line.slice(name.length + 1));
  };
  let last: SwitchMetrics | undefined;
  for (let i = 0; i < 300; i++) {
    const text = await (await fetch(`${base}/metrics`)).text();
    last = { suspended: sample(text, "gitfleet_suspended"), up: sample(text, "gitfleet_suspend_switch_up") };
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`/metrics never said so (last: ${JSON.stringify(last)})`);
}

const head = async (repo: string): Promise<string> => (await gitCli(repo, ["rev-parse", "HEAD"])).trim();

// One etcd request may take 1.5 s (renew_deadline / 3): three endpoints tried in turn were 4.5 s.
const election = (key: string, endpoints: string[]): string =>
  `{key: ${key}, etcd: {endpoints: [${endpoints.map((e) => `"${e}"`).join(", ")}]}, lease_ttl: 6s, renew_every: 500ms, renew_deadline: 4500ms}`;

describe("suspend as status shows it, and resume for the whole group", () => {
  it("says suspended with no commit waiting, unknown when etcd hangs, and lifts a left-over file", async () => {
    const engine = await SimDockerEngine.start(3);
    open.push(engine);
    const proxies = await Promise.all([1, 2, 3].map(() => EtcdFaultProxy.start(etcd.endpoints[0]!)));
    open.push(...proxies);
    const key = `gitfleet-test/suspend-status-${process.pid}/leader`;
    const switchKey = `gitfleet-test/suspend-status-${process.pid}/suspended`;
    const metricsPort = await freePort();
    const metrics = `http://127.0.0.1:${metricsPort}`;
    const fleet = await SimFleet.create({
      endpoints: engine.hosts.map((h) => h.docker),
      services: 1,
      replicasPerService: 3,
      hostDownAfter: "60s",
      leaderElection: election(
        key,
        proxies.map((p) => p.url),
      ),
      metricsListen: `127.0.0.1:${metricsPort}`,
    });
    open.push(fleet);
    const config = path.join(fleet.dir, "gitfleet.yaml");
    const workFile = path.join(fleet.dir, "work", "suspended.json");
    // Another instance's configuration (same group, its own work_dir), never started.
    const other = await fleet.instance("c", election(key, etcd.endpoints.slice()));
    const a = fleet.operator;
    await a.start();
    await passWhere(a, (o) => o.converged && a.leading(), PASS_MS);
    await scraped(metrics, (m) => m.suspended === 0 && m.up === 1);

    // 1. Suspended, nothing waiting: the status files and `gitfleet status` say so, with each hold.
    const s = await gitfleet(["suspend", "-c", config, "--reason", "incident 42"]);
    expect(s.code, s.stderr).toBe(0);
    expect(JSON.parse(await readFile(workFile, "utf8")).revision).toBeGreaterThan(0);
    a.markDue("test: suspended");
    const doc = await recorded(fleet.repo, (v) => v?.state === "suspended");
    expect(doc["waiting_commit"]).toBeUndefined();
    expect((doc["suspended"] as Suspended).holds).toMatchObject([
      { switch: "etcd", where: switchKey, reason: "incident 42" },
      { switch: "file", where: workFile, reason: "incident 42" },
    ]);
    const live = await statusJson(["-c", config]);
    expect(live.waiting_commit).toBeNull();
    expect(live.suspended).toMatchObject({ state: "suspended", source: "switch" });
    expect(live.suspended.holds.map((h) => h.switch)).toEqual(["etcd", "file"]);
    const fromBranch = await statusJson(["--repository", fleet.repo]);
    expect(fromBranch.suspended).toMatchObject({ state: "suspended", source: "status-branch" });
    const text = await gitfleet(["status", "-c", config]);
    expect(text.stdout).toMatch(/^suspend {2}suspended by .*: incident 42/m);
    const md = await gitCli(fleet.repo, ["show", "gitfleet/status:STATUS.md"]);
    expect(md).toContain("**Suspend:** suspended by");
    await scraped(metrics, (m) => m.suspended === 1 && m.up === 1);

    // 2. etcd hangs on the switch (every endpoint): unknown, never "not suspended"; a new commit
    //    waits; the poll's load stage is held up by one read deadline (1.5 s), not three.
    for (const p of proxies) p.hangReadsOf = switchKey;
    const unknown = await statusJson(["-c", config], 4);
    expect(unknown.suspended).toMatchObject({ state: "unknown", error_code: "etcd-unreachable" });
    expect(unknown.errors.map((e) => e.code)).toEqual(["suspend-switch-unknown"]);
    const unknownText = await gitfleet(["status", "-c", config]);
    expect(unknownText.code).toBe(4);
    expect(unknownText.stdout).toMatch(/^suspend {2}unknown: /m);
    await fleet.changeService("s1", 2);
    const c2 = await head(fleet.repo);
    const held = await passWhere(a, (o) => o.snapshot?.waiting?.commit.commit === c2, PASS_MS);
    expect(a.leading()).toBe(true);
    expect(held.snapshot?.suspension).toMatchObject({ state: "unknown", code: "etcd-unreachable" });
    expect(held.snapshot?.waiting?.reason).toContain("could not be read");
    expect(held.stagesMs?.load).toBeGreaterThanOrEqual(1_400);
    expect(held.stagesMs?.load).toBeLessThan(4_000); // three timeouts in turn: 4.5 s and more
    await recorded(fleet.repo, (v) => v?.state === "unknown" && v.error_code === "etcd-unreachable");
    // Unknown is never 0 (not suspended): no gitfleet_suspended sample, and the switch is down.
    await scraped(metrics, (m) => m.suspended === undefined && m.up === 0);
    // As the operator recorded it (--repository): unknown too, and exit 4.
    const fromBranchUnknown = await statusJson(["--repository", fleet.repo], 4);
    expect(fromBranchUnknown.suspended).toMatchObject({ state: "unknown", source: "status-branch" });
    for (const p of proxies) p.hangReadsOf = undefined;
    const r = await gitfleet(["resume", "-c", config]);
    expect(r.code, r.stderr).toBe(0);
    await passWhere(a, (o) => o.converged && o.snapshot?.desired?.commit === c2, PASS_MS);
    await recorded(fleet.repo, (v) => v === undefined);
    await scraped(metrics, (m) => m.suspended === 0 && m.up === 1);

    // 3. A suspended.json left in this instance's work_dir (no revision: an older release's) holds
    //    it; resume run with the other instance's configuration lifts it for the whole group.
    // Written after the last resume: it is newer than the resume mark, so it holds.
    await writeFile(
      workFile,
      JSON.stringify({ reason: "left over", by: "old@h0", at: new Date().toISOString() }),
    );
    await fleet.changeService("s1", 3);
    const c3 = await head(fleet.repo);
    const stuck = await passWhere(a, (o) => o.snapshot?.waiting?.commit.commit === c3, PASS_MS);
    expect(stuck.snapshot?.waiting?.reason).toContain("left over");
    expect((await statusJson(["-c", config])).suspended.holds).toMatchObject([
      { switch: "file", reason: "left over" },
    ]);
    const elsewhere = await gitfleet(["resume", "-c", other.config, "--json"]);
    expect(elsewhere.code, elsewhere.stderr).toBe(0);
    expect(JSON.parse(elsewhere.stdout)).toMatchObject({
      suspended: false,
      resumed_revision: expect.any(Number),
    });
    await passWhere(a, (o) => o.converged && o.snapshot?.desired?.commit === c3, PASS_MS);
    const after = await statusJson(["-c", config]);
    expect(after.suspended).toMatchObject({
      state: "not-suspended",
      lifted: [{ switch: "file", reason: "left over" }],
    });
  });
});
