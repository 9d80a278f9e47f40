// The etcd lease store and the leader elector against a real etcd: one leader
// at a time, epochs that only grow, takeover after the TTL, and the old leader
// fenced (it stops acting) before the new one is elected. The fleet's suspend
// switch beside the leader key: suspend-switch.test.ts.

import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEtcdHttp } from "../../../src/adapters/etcd/etcd-http.js";
import { etcdLeaseStore } from "../../../src/adapters/etcd/etcd-lease.js";
import { EtcdError } from "../../../src/adapters/etcd/errors.js";
import { LeaderElector, type LeadershipChange } from "../../../src/daemon/leader-elector.js";
import { systemTime } from "../../../src/adapters/system/clock.js";
import type { LeaseStore, LeaseTiming } from "../../../src/model/leadership.js";
import { type EtcdCluster, startEtcd } from "../../support/etcd.js";
import { pollUntil } from "../../support/poll.js";

const logger = pino({ level: "silent" });
const FAST: LeaseTiming = { ttlMs: 2_000, renewEveryMs: 300, renewDeadlineMs: 1_400 };

let etcd: EtcdCluster;
let keyNo = 0;
const freshKey = (): string => `gitfleet-test/leader-${++keyNo}`;
const store = (key: string, endpoints = etcd.endpoints): LeaseStore =>
  etcdLeaseStore(createEtcdHttp({ endpoints, timeoutMs: 1_000 }), key);

beforeAll(async () => {
  etcd = await startEtcd(1);
});
afterAll(async () => {
  await etcd?.stop();
});

describe("etcd lease store", () => {
  it("grants one leader; the loser learns who leads; epochs grow with every term", async () => {
    const key = freshKey();
    const a = store(key);
    const b = store(key);
    const termA = await a.campaign("a", 2_000);
    expect(termA?.holder).toBe("a");
    expect(await b.campaign("b", 2_000)).toBeUndefined();
    expect(await b.leader()).toEqual({ holder: "a", epoch: termA?.epoch });
    expect(await a.renew(termA!)).toBe(true);

    await a.resign(termA!);
    expect(await a.renew(termA!)).toBe(false);
    const termB = await b.campaign("b", 2_000);
    expect(termB?.holder).toBe("b");
    expect(termB!.epoch).toBeGreaterThan(termA!.epoch);
    await b.resign(termB!);
  });

  it("a lease not renewed expires after its TTL and the key is free again", async () => {
    const key = freshKey();
    const a = store(key);
    const termA = await a.campaign("a", 2_000);
    expect(termA).toBeDefined();
    const started = Date.now();
    let termB;
    while (termB === undefined && Date.now() - started < 10_000) {
      termB = await store(key).campaign("b", 2_000);
      if (termB === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    expect(termB?.holder).toBe("b");
    // Not before the TTL: etcd kept a's lease for at least its lifetime.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
    expect(await a.renew(termA!)).toBe(false);
  });

  it("fails over to the next endpoint, and says clearly when none answers", async () => {
    const key = freshKey();
    const dead = "http://127.0.0.1:1";
    const term = await store(key, [dead, ...etcd.endpoints]).campaign("a", 2_000);
    expect(term?.holder).toBe("a");
    const err = await store(key, [dead])
      .leader()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EtcdError);
    expect((err as EtcdError).code).toBe("etcd-unreachable");
  });
});

describe("leader elector", () => {
  it("one of two electors leads; when it stops renewing, it stops acting before the other is elected", async () => {
    const key = freshKey();
    const events: { who: string; change: LeadershipChange; at: number }[] = [];
    // a's store can be cut off: every call then hangs past the elector's deadline, as a partition does.
    let cut = false;
    const realA = store(key);
    const cuttable: LeaseStore = {
      campaign: (h, t) => (cut ? new Promise(() => undefined) : realA.campaign(h, t)),
      renew: (t) => (cut ? Promise.reject(new EtcdError("etcd-unreachable", "cut off")) : realA.renew(t)),
      resign: (t) => (cut ? Promise.resolve() : realA.resign(t)),
      leader: () => realA.leader(),
    };
    const make = (who: string, s: LeaseStore): LeaderElector =>
      new LeaderElector({
        store: s,
        holder: who,
        timing: FAST,
        time: systemTime,
        logger,
        onChange: (change) => events.push({ who, change, at: Date.now() }),
      });
    const a = make("a", cuttable);
    a.start();
    await pollUntil("a to lead", () => a.mayAct(), { timeoutMs: 5_000, intervalMs: 20 });
    const b = make("b", store(key));
    b.start();
    await new Promise((r) => setTimeout(r, 1_000));
    expect(b.mayAct()).toBe(false);

    cut = true;
    let fencedAt = 0;
    await pollUntil(
      "b to lead",
      () => {
        if (fencedAt === 0 && !a.mayAct()) fencedAt = Date.now();
        return b.mayAct();
      },
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    const elected = events.find((e) => e.who === "b" && e.change.kind === "elected");
    expect(fencedAt).toBeGreaterThan(0);
    expect(elected).toBeDefined();
    expect(fencedAt).toBeLessThan(elected!.at);
    expect(events.some((e) => e.who === "a" && e.change.kind === "lost")).toBe(true);
    const epochA = events.find((e) => e.who === "a" && e.change.kind === "elected")!.change.term.epoch;
    expect(b.term!.epoch).toBeGreaterThan(epochA);
    await a.stop();
    await b.stop();
    // b resigned: the key is free at once.
    expect(await store(key).leader()).toBeUndefined();
  });
});
