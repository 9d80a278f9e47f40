// The heartbeat carrying the cluster lock's renewals: one request per host per
// beat (a ping, or the renewal when one is due), the renewal counting as the
// ping it replaces, and a renewal that did not land handed back to the lock's
// own round (which reads the record and judges, as before).

import { describe, expect, it } from "vitest";
import { Heartbeat } from "../../../src/daemon/heartbeat.js";
import { ClusterLock, type LockHost } from "../../../src/reconcile/cluster-lock.js";
import { HostHealth } from "../../../src/observe/host-health.js";
import type { Fleet } from "../../../src/observe/fleet.js";
import type { BeatListener, BeatRenewal, HostDriver } from "../../../src/ports/host.js";
import type { LockIdentity, LockLease, LockRecord } from "../../../src/model/lock.js";
import { FakeTime } from "../../support/fakes/fake-time.js";
import { MemoryLock } from "../../support/fakes/memory-lock.js";
import { silent } from "../../support/fakes/execute-harness.js";

const INTERVAL_MS = 1_000;
const DOWN_AFTER_MS = 3_000;

/** One host: its lock record (as the lock container keeps it) and the requests the heartbeat sent it. */
class BeatHost extends MemoryLock {
  pings = 0;
  renewingPings = 0;
  /** Frozen: no request is answered (each fails after the ping's deadline, 500 ms). */
  frozen = false;
  /** Whether the driver has beat() (the production drivers' beat without promises). */
  withBeat = false;
  /** Beats sent through beat(). */
  beats = 0;
  /** How long an answer takes (not frozen). */
  answerMs = 5;

  constructor(
    readonly name: string,
    private readonly time: FakeTime,
  ) {
    super(`${name}-`);
  }

  private async answer(): Promise<void> {
    await this.time.sleep(this.frozen ? 500 : this.answerMs);
    if (this.frozen) throw new Error(`${this.name}: ping: no answer within 500 ms`);
  }

  get driver(): HostDriver {
    const renew = (id: string, lease: LockLease): boolean => {
      if (this.record?.id !== id) return false; // the engine answered: no such container
      this.record = { ...this.record, lease };
      return true;
    };
    const beat = (renewal: BeatRenewal | undefined, l: BeatListener): void => {
      this.beats++;
      if (renewal !== undefined) this.renewingPings++;
      else this.pings++;
      this.answer().then(
        () => l.answered(renewal !== undefined && renew(renewal.id, renewal.lease)),
        (err: unknown) => l.failed(err),
      );
    };
    return {
      name: this.name,
      ...(this.withBeat ? { beat } : {}),
      ping: async (): Promise<void> => {
        this.pings++;
        await this.answer();
      },
      pingRenewing: async (id: string, lease: LockLease): Promise<boolean> => {
        this.renewingPings++;
        await this.answer();
        return renew(id, lease);
      },
    } as unknown as HostDriver;
  }
}

const me: LockIdentity = {
  instance: "11111111-1111-1111-1111-111111111111",
  host: "ops1",
  pid: 100,
  started: 1,
};

async function setup(withBeat = false) {
  const time = new FakeTime();
  const hosts = ["h1", "h2", "h3"].map((n) => new BeatHost(n, time));
  for (const h of hosts) h.withBeat = withBeat;
  const byName = new Map(hosts.map((h) => [h.name, h]));
  // The heartbeat asks the fleet for names and drivers only.
  const fleet = {
    names: () => hosts.map((h) => h.name),
    driver: (n: string) => byName.get(n)?.driver,
    setupError: () => undefined,
  } as unknown as Fleet;
  const health = new HostHealth({ downAfterMs: DOWN_AFTER_MS, stableAfterMs: 0 }, time.now());
  const lock = new ClusterLock({ me, leaseMs: 15_000, time, logger: silent, pidAlive: () => false });
  lock.beatEvery(() => INTERVAL_MS);
  const lockHosts: LockHost[] = hosts.map((h) => ({ name: h.name, lock: h }));
  expect(await lock.ensure(lockHosts)).toEqual({ held: true });
  // Every time the clock is applied to a host (the heartbeat's rounds, and its beats' answers).
  const evaluated: string[] = [];
  const evaluate = health.evaluate.bind(health);
  health.evaluate = (host, now) => {
    evaluated.push(host);
    return evaluate(host, now);
  };
  const heartbeat = new Heartbeat({
    fleet,
    health,
    time,
    intervalMs: () => INTERVAL_MS,
    onChange: () => undefined,
    logger: silent,
    lock,
  });
  return { time, hosts, health, lock, lockHosts, heartbeat, evaluated };
}

/** Freezes `h` and advances the clock in 50 ms steps until it is down (10 s at most). */
async function freezeUntilDown(
  time: FakeTime,
  health: HostHealth,
  h: BeatHost,
): Promise<{ frozenAt: number; downAt: number | undefined }> {
  h.frozen = true;
  const frozenAt = time.now();
  let downAt: number | undefined;
  while (downAt === undefined && time.now() - frozenAt < 10_000) {
    await time.advance(50);
    if (health.view(h.name, time.now()).state === "down") downAt = time.now();
  }
  return { frozenAt, downAt };
}

const recordOf = (h: BeatHost): LockRecord | undefined => h.record;
const renewals = (h: BeatHost): number | undefined => h.record?.lease?.renewals;

describe("heartbeat with the cluster lock's renewals on its beats", () => {
  it("sends one request per host per beat: the renewal when due (every renewal period), else a ping", async () => {
    const { time, hosts, health, lock, lockHosts, heartbeat } = await setup();
    heartbeat.start();
    await time.advance(30_000);
    for (const h of hosts) {
      // 30 beats in 30 s, each one request; a renewal every 5 s (lease 15 s / 3).
      expect(h.pings + h.renewingPings).toBeGreaterThanOrEqual(29);
      expect(h.pings + h.renewingPings).toBeLessThanOrEqual(31);
      expect(h.renewingPings).toBeGreaterThanOrEqual(5);
      expect(h.renewingPings).toBeLessThanOrEqual(6);
      expect(health.view(h.name, time.now()).state).toBe("up");
    }
    // The records are fresh: the operator's own round (and a pass) asks no host.
    const before = hosts.map(renewals);
    expect(await lock.renewStale(lockHosts, lock.backstopMs)).toEqual({ held: true });
    expect(await lock.ensureRecent(lockHosts)).toEqual({ held: true });
    expect(hosts.map(renewals)).toEqual(before);
    await time.run(heartbeat.stop());
  });

  it("a renewal the engine refuses (record removed by hand): the host stays up, the next round takes the lock again", async () => {
    const { time, hosts, health, lock, lockHosts, heartbeat } = await setup();
    const h2 = hosts[1] as BeatHost;
    h2.record = undefined;
    heartbeat.start();
    await time.advance(8_000);
    // Its renewal was refused once; the beats then only ping it (a renewal round reads the record first).
    expect(h2.renewingPings).toBe(1);
    expect(health.view("h2", time.now()).state).toBe("up");
    expect(h2.record).toBeUndefined();
    expect(await lock.renewStale(lockHosts, lock.backstopMs)).toEqual({ held: true });
    expect(recordOf(h2)?.holder).toEqual(me);
    // Its renewals ride on the beats again.
    await time.advance(6_000);
    expect(h2.renewingPings).toBe(2);
    expect(renewals(h2)).toBeGreaterThan(1);
    await time.run(heartbeat.stop());
  });

  it("a host that does not answer its renewal is declared down within host_down_after, as with pings", async () => {
    const { time, hosts, health, heartbeat } = await setup();
    heartbeat.start();
    // Let a renewal come due, then freeze h3 just before its next beats.
    await time.advance(4_900);
    const h3 = hosts[2] as BeatHost;
    const { frozenAt, downAt } = await freezeUntilDown(time, health, h3);
    expect(h3.renewingPings).toBe(1); // its first beat after the freeze was its renewal, unanswered
    expect(downAt).toBeDefined();
    // Down 3 s after its last answer (a beat before the freeze), as with pings alone.
    expect((downAt ?? 0) - frozenAt).toBeLessThanOrEqual(DOWN_AFTER_MS);
    await time.run(heartbeat.stop());
  });

  it("with the driver's beat() (no promise per beat): the same requests, renewals and down detection", async () => {
    const { time, hosts, health, heartbeat } = await setup(true);
    heartbeat.start();
    await time.advance(4_900);
    const h3 = hosts[2] as BeatHost;
    const { frozenAt, downAt } = await freezeUntilDown(time, health, h3);
    expect((downAt ?? 0) - frozenAt).toBeLessThanOrEqual(DOWN_AFTER_MS);
    expect(downAt).toBeDefined();
    for (const h of hosts) {
      // Every request went through beat(): a ping or the renewal, one per beat.
      expect(h.beats).toBe(h.pings + h.renewingPings);
      expect(h.renewingPings).toBeGreaterThanOrEqual(1);
    }
    await time.advance(10_000);
    const h1 = hosts[0] as BeatHost;
    expect(h1.beats).toBeGreaterThanOrEqual(17);
    expect(renewals(h1)).toBeGreaterThanOrEqual(3);
    expect(health.view("h1", time.now()).state).toBe("up");
    await time.run(heartbeat.stop());
  });

  it("applies the clock only to hosts it can change: none while all answer", async () => {
    const { time, hosts, health, heartbeat, evaluated } = await setup();
    heartbeat.start();
    await time.advance(10_000);
    // 100 rounds of 3 hosts, all up: no host looked at (each round looked at every host).
    expect(evaluated).toEqual([]);
    (hosts[1] as BeatHost).frozen = true;
    await time.advance(5_000);
    expect(health.view("h2", time.now()).state).toBe("down");
    expect(new Set(evaluated)).toEqual(new Set(["h2"]));
    await time.run(heartbeat.stop());
  });

  it("never sends a host a second beat while one is out (an answer slower than the interval)", async () => {
    const { time, hosts, health, heartbeat } = await setup(true);
    const slow = hosts[0] as BeatHost;
    slow.answerMs = 2_500; // 2.5 intervals, within the ping's deadline here
    heartbeat.start();
    await time.advance(10_000);
    // One beat out at a time: answered at 2.5, 5, 7.5 and 10 s, the next sent at the next round.
    expect(slow.beats).toBeGreaterThanOrEqual(3);
    expect(slow.beats).toBeLessThanOrEqual(4);
    expect((hosts[1] as BeatHost).beats).toBeGreaterThanOrEqual(9);
    expect(health.view(slow.name, time.now()).state).toBe("up");
    await time.run(heartbeat.stop());
  });
});
