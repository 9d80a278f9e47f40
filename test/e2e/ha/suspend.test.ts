// gitfleet suspend in a standby group on the test bed: two `gitfleet run`
// processes with their own work dirs and a real etcd. Suspended through the
// leader's configuration, the leader is killed with -9; the standby that takes
// over keeps the applied commit running and holds the new one (status names it
// with the reason) until `gitfleet resume`, run with the new leader's
// configuration, lets it through, and lifts the killed leader's own file too
// (status lists it as lifted). (The same through the production wiring on
// simulated hosts, with an unreadable switch too: test/integration/sim-docker/suspend-ha.test.ts.)

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type EtcdCluster } from "../../support/etcd.js";
import { gitfleet } from "../../support/cli.js";
import { BED_POLL, managed, type OperatorWorld } from "../operator/support.js";
import { pollUntil } from "../../support/poll.js";
import { type Drills, type Instance, startGroupBed, stopGroupBed, webAt } from "./support.js";

let world: OperatorWorld;
let etcd: EtcdCluster;
let group: Instance[];
let d: Drills;

beforeAll(async () => {
  ({ world, etcd, group, d } = await startGroupBed(1, ["a", "b"]));
}, 300_000);

afterAll(async () => {
  await stopGroupBed({ world, etcd, group });
});

const webImages = async (): Promise<string[]> =>
  (await managed("web")).filter((c) => c.state === "running").map((c) => c.image);

describe("suspend in a standby group", () => {
  it("holds the new commit after kill -9 of the leader it was set on, until resume", async () => {
    const old = await d.currentLeader();
    const leader = d.byPid(old.pid);
    const s = await gitfleet(["suspend", "-c", leader.configFile, "--reason", "incident 42", "--json"]);
    expect(s.code, s.stderr).toBe(0);
    expect(JSON.parse(s.stdout)).toMatchObject({
      suspended: true,
      etcd_key: expect.stringMatching(/\/suspended$/),
    });

    const c2 = await world.repo.commitAndPush(webAt(2), "web 2");
    const faultAt = Date.now();
    await leader.kill9();
    const { leader: next } = await d.takeover(old, faultAt);
    const survivor = d.byPid(next.pid);
    expect(survivor).not.toBe(leader);
    // The new leader polls each second: it has seen c2 and holds it, named in status with the reason.
    const waiting = await pollUntil(
      "the new leader's status naming the held commit",
      async () => {
        const text = await world.status("status/cluster.yaml");
        const doc = (text === "" ? {} : parse(text)) as {
          leader?: { epoch?: number };
          waiting_commit?: { commit?: string; reason?: string };
        };
        return doc.leader?.epoch === next.epoch && doc.waiting_commit?.commit === c2
          ? doc.waiting_commit
          : undefined;
      },
      { ...BED_POLL, timeoutMs: 60_000 },
    );
    expect(waiting.reason).toMatch(/^suspended by .*incident 42/);
    // `gitfleet status` with the new leader's configuration reads the fleet's key itself.
    const live = await gitfleet(["status", "-c", survivor.configFile, "--json"]);
    expect(JSON.parse(live.stdout).suspended).toMatchObject({
      state: "suspended",
      source: "switch",
      holds: [{ switch: "etcd", reason: "incident 42" }],
    });
    await new Promise((r) => setTimeout(r, 3_000)); // three more polls of the new leader
    expect((await webImages()).every((i) => i.endsWith("web:1"))).toBe(true);

    const r = await gitfleet(["resume", "-c", survivor.configFile, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ suspended: false, was_suspended: true });
    // The killed leader's own suspended.json is still in its work_dir: set before the resume, it
    // no longer holds (it would have held that instance, were it to lead again): status lists it as lifted.
    const killed = await gitfleet(["status", "-c", leader.configFile, "--json"]);
    expect(JSON.parse(killed.stdout).suspended).toMatchObject({
      state: "not-suspended",
      lifted: [{ switch: "file", reason: "incident 42" }],
    });
    await d.converged("web:2");
    await d.supervise();
  });
});
