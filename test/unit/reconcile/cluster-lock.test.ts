import { describe, expect, it } from "vitest";
import { ClusterLock, describeVerdict, type LockHost } from "../../../src/reconcile/cluster-lock.js";
import type { LockIdentity } from "../../../src/model/lock.js";
import { FakeTime } from "../../support/fakes/fake-time.js";
import { MemoryLock } from "../../support/fakes/memory-lock.js";
import { silent } from "../../support/fakes/execute-harness.js";

const me = (over: Partial<LockIdentity> = {}): LockIdentity => ({
  instance: "11111111-1111-1111-1111-111111111111",
  host: "ops1",
  pid: 100,
  started: 1,
  ...over,
});

function setup() {
  const time = new FakeTime();
  const hosts: LockHost[] = ["h1", "h2", "h3"].map((name) => ({ name, lock: new MemoryLock() }));
  const alive = new Set<number>([100, 200]);
  const lock = (id: LockIdentity) =>
    new ClusterLock({ me: id, leaseMs: 15_000, time, logger: silent, pidAlive: (p) => alive.has(p) });
  return { time, hosts, alive, lock };
}

describe("ClusterLock", () => {
  it("takes the lock on every host, and a second operator refuses once it sees the holder renew", async () => {
    const { time, hosts, lock } = setup();
    const first = lock(me());
    expect(await first.ensure(hosts)).toEqual({ held: true });
    expect(hosts.every((h) => (h.lock as MemoryLock).record?.holder.pid === 100)).toBe(true);

    const second = lock(me({ instance: "22222222-2222-2222-2222-222222222222", host: "ops2", pid: 200 }));
    const v1 = await second.ensure(hosts);
    expect(v1).toMatchObject({ held: false, alive: false, lost: false, expiresInMs: 15_000 });
    await time.advance(5_000);
    await first.ensure(hosts); // the holder renews on its timer
    await time.advance(100);
    const v2 = await second.ensure(hosts);
    expect(v2).toMatchObject({ held: false, alive: true, holder: { host: "ops1", pid: 100 } });
    if (v2.held) throw new Error("unreachable");
    expect(describeVerdict(v2)).toMatch(
      /^the cluster is locked by another operator: ops1 pid 100 \(instance 11111111, started 1970-01-01T00:00:00\.001Z\)/,
    );
    // Nothing of the holder's was touched.
    expect(hosts.every((h) => (h.lock as MemoryLock).record?.holder.pid === 100)).toBe(true);
  });

  it("takes over a lease not renewed for its duration (a crashed holder), measured on its own clock", async () => {
    const { time, hosts, lock } = setup();
    await lock(me({ host: "ops9", pid: 999 })).ensure(hosts); // then it dies: no more renewals
    const next = lock(me({ instance: "33333333-3333-3333-3333-333333333333", pid: 300 }));
    expect(await next.ensure(hosts)).toMatchObject({ held: false, expiresInMs: 15_000 });
    await time.advance(14_000);
    expect(await next.ensure(hosts)).toMatchObject({ held: false, expiresInMs: 1_000 });
    await time.advance(1_000);
    expect(await next.ensure(hosts)).toEqual({ held: true });
    expect(hosts.every((h) => (h.lock as MemoryLock).record?.holder.pid === 300)).toBe(true);
  });

  it("the same instance restarted (old pid gone) takes its lock back at once; a live twin does not", async () => {
    const { hosts, alive, lock } = setup();
    await lock(me({ pid: 150, started: 1 })).ensure(hosts);
    // pid 150 is not alive: a previous run of this instance (kill -9, then a restart).
    const restarted = lock(me({ pid: 100, started: 2 }));
    expect(await restarted.ensure(hosts)).toEqual({ held: true });
    // The same work dir started twice: the twin's pid is alive, so it is someone else.
    alive.add(160);
    const twin = lock(me({ pid: 160, started: 3 }));
    expect(await twin.ensure(hosts)).toMatchObject({ held: false, holder: { pid: 100 } });
  });

  it("a holder whose record was taken says so (lost), and release removes only its own records", async () => {
    const { hosts, lock } = setup();
    const a = lock(me());
    await a.ensure(hosts);
    const h1 = hosts[0]?.lock as MemoryLock;
    h1.record = {
      id: "other",
      holder: me({ host: "ops2", pid: 7 }),
      lease: { renewals: 1, leaseMs: 15_000 },
    };
    expect(await a.ensure(hosts)).toMatchObject({ held: false, lost: true, host: "h1" });
    expect(a.held).toBe(false);
    await a.release(hosts);
    expect(h1.record?.id).toBe("other");
    expect(hosts.slice(1).every((h) => (h.lock as MemoryLock).record === undefined)).toBe(true);
  });

  it("hosts that do not answer do not count", async () => {
    const { hosts, lock } = setup();
    const broken: LockHost = {
      name: "h4",
      lock: {
        read: () => Promise.reject(new Error("connection refused")),
        create: () => Promise.reject(new Error("x")),
        renew: () => Promise.reject(new Error("x")),
        remove: () => Promise.reject(new Error("x")),
      },
    };
    expect(await lock(me()).ensure([...hosts, broken])).toEqual({ held: true });
  });

  it("renews a record it holds by its id alone (one call per host), reading it only when that fails", async () => {
    const { hosts, lock } = setup();
    const a = lock(me());
    await a.ensure(hosts);
    const reads = (): number[] => hosts.map((h) => (h.lock as MemoryLock).reads);
    expect(reads()).toEqual([1, 1, 1]);
    for (let i = 0; i < 5; i++) expect(await a.ensure(hosts)).toEqual({ held: true });
    expect(reads()).toEqual([1, 1, 1]);
    expect((hosts[1]?.lock as MemoryLock).record?.lease?.renewals).toBe(6);
    // Removed behind its back (by hand): the renewal fails, the record is read and taken again.
    (hosts[2]?.lock as MemoryLock).record = undefined;
    expect(await a.ensure(hosts)).toEqual({ held: true });
    expect(reads()).toEqual([1, 1, 2]);
    expect((hosts[2]?.lock as MemoryLock).record?.holder).toEqual(me());
  });

  it("takes a lock held on the same hosts within a renewal period as held without a call (passes)", async () => {
    const { time, hosts, lock } = setup();
    const a = lock(me());
    expect(await a.ensureRecent(hosts)).toEqual({ held: true });
    const renewals = (): number | undefined => (hosts[0]?.lock as MemoryLock).record?.lease?.renewals;
    expect(renewals()).toBe(1);
    await time.advance(4_000);
    expect(await a.ensureRecent(hosts)).toEqual({ held: true });
    expect(renewals()).toBe(1);
    // A new host within the period: it gets its record; the others' are not written again.
    const more = [...hosts, { name: "h4", lock: new MemoryLock() }];
    await a.ensureRecent(more);
    expect(renewals()).toBe(1);
    expect((more[3]?.lock as MemoryLock).record?.holder).toEqual(me());
    // A renewal period (lease / 3) later: renewed again.
    await time.advance(5_000);
    await a.ensureRecent(more);
    expect(renewals()).toBe(3);
  });

  it("a host gone from the list (declared down) costs a pass no call; one back is asked alone", async () => {
    const { time, hosts, lock } = setup();
    const a = lock(me());
    const h4: LockHost = { name: "h4", lock: new MemoryLock() };
    expect(await a.ensure([...hosts, h4])).toEqual({ held: true });
    const writes = (): (number | undefined)[] =>
      [...hosts, h4].map((h) => (h.lock as MemoryLock).record?.lease?.renewals);
    expect(writes()).toEqual([1, 1, 1, 1]);
    await time.advance(1_000);
    // h4 declared down: the others' records were renewed a second ago, so no call at all.
    expect(await a.ensureRecent(hosts)).toEqual({ held: true });
    expect(writes()).toEqual([1, 1, 1, 1]);
    // A new host (h5) within the period: only it is asked; the rest stay as renewed.
    const h5: LockHost = { name: "h5", lock: new MemoryLock() };
    expect(await a.ensureRecent([...hosts, h5])).toEqual({ held: true });
    expect(writes()).toEqual([1, 1, 1, 1]);
    expect((h5.lock as MemoryLock).record?.holder).toEqual(me());
    // ... and from then on counted with them until the period is over.
    expect(await a.ensureRecent([...hosts, h5])).toEqual({ held: true });
    expect((h5.lock as MemoryLock).record?.lease?.renewals).toBe(2);
    await time.advance(4_000);
    expect(await a.ensureRecent([...hosts, h5])).toEqual({ held: true });
    expect(writes()).toEqual([3, 3, 3, 1]);
  });

  it("a host back in the list whose record another operator took: not held, whatever the period", async () => {
    const { time, hosts, lock } = setup();
    const a = lock(me());
    expect(await a.ensure(hosts)).toEqual({ held: true });
    const taken: LockHost = { name: "h4", lock: new MemoryLock() };
    const other = lock(me({ instance: "44444444-4444-4444-4444-444444444444", pid: 200 }));
    await other.ensure([taken]);
    await time.advance(1_000);
    expect(await a.ensureRecent([...hosts, taken])).toMatchObject({ held: false, host: "h4" });
    expect(a.held).toBe(false);
  });

  it("one deadline for a round: a host that never answers costs the timeout once, the rest stay held", async () => {
    const { time, hosts, lock } = setup();
    const hung: LockHost = {
      name: "h9",
      lock: {
        read: () => new Promise(() => undefined),
        create: () => new Promise(() => undefined),
        renew: () => new Promise(() => undefined),
        remove: () => new Promise(() => undefined),
      },
    };
    const a = lock(me());
    const t0 = time.now();
    const round = a.ensure([...hosts, hung]);
    await time.advance(5_000);
    expect(await round).toEqual({ held: true });
    expect(hosts.every((h) => (h.lock as MemoryLock).record?.holder.pid === 100)).toBe(true);
    // Declared down meanwhile: the round does not wait for its deadline.
    const down = new AbortController();
    let settled = false;
    const next = a.ensure([...hosts, { ...hung, down: down.signal }]).finally(() => (settled = true));
    await time.advance(1_000);
    expect(settled).toBe(false);
    down.abort();
    expect(await next).toEqual({ held: true });
    expect(time.now() - t0).toBe(6_000);
  });
});
