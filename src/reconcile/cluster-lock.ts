// The cluster lock: the guard of single-instance mode (real high availability
// is another matter). Every host of the cluster keeps a record of who holds
// the lock, renewed on a timer; a second operator finds it and refuses to act,
// naming the holder. Expiry is judged as Kubernetes' leader election judges
// it: a contender watches the record's renewal counter on its own clock, so
// clocks of different machines never have to agree. A lease not renewed for
// its duration is taken over; the same operator restarted (its instance id is
// kept in its work dir, its old process gone) takes its own lock back at once.

import type { Logger } from "../ports/logger.js";
import type { LockIdentity, LockLease, LockRecord } from "../model/lock.js";
import { ControllerError, errorMessage, type HostLock } from "../ports/host.js";
import { withTimeout } from "../observe/observer.js";
import type { Time } from "../ports/time.js";

export const DEFAULT_LOCK_LEASE_MS = 15_000;
/** A lease longer than this in a record is read as this: a host cannot make the lock last for ever. */
const MAX_LEASE_MS = 5 * 60_000;

export interface ClusterLockOptions {
  readonly me: LockIdentity;
  readonly leaseMs?: number;
  readonly time: Time;
  readonly logger: Logger;
  /** Whether a process with this pid runs on this machine (a previous run of this instance?). */
  readonly pidAlive: (pid: number) => boolean;
  /** Deadline of one host's lock calls (default 5 s). */
  readonly timeoutMs?: number;
}

export interface LockHost {
  readonly name: string;
  readonly lock: HostLock;
}

export type LockVerdict =
  | { readonly held: true }
  | {
      readonly held: false;
      /** The Docker host whose record names the holder. */
      readonly host: string;
      readonly holder: LockIdentity;
      /** The holder renewed its lease while this operator watched: it is alive. */
      readonly alive: boolean;
      /** This operator held the lock on that host, and someone took it. */
      readonly lost: boolean;
      /** When the lease runs out unless it is renewed meanwhile. */
      readonly expiresInMs: number;
    };

interface Watch {
  readonly id: string;
  renewals: number | undefined;
  since: number;
  changed: boolean;
}

type Foreign = Exclude<LockVerdict, { held: true }>;

export class ClusterLock {
  private renewals = 0;
  /** Docker host → the id of this operator's record there. */
  private readonly mine = new Map<string, string>();
  private readonly watching = new Map<string, Watch>();
  private heldNow = false;
  /** When the last ensure() that found the lock held began, and on which hosts. */
  private lastHeld: { readonly at: number; readonly hosts: string } | undefined;

  constructor(private readonly o: ClusterLockOptions) {}

  get leaseMs(): number {
    return this.o.leaseMs ?? DEFAULT_LOCK_LEASE_MS;
  }

  /** Whether the last ensure() found the lock held by this operator on every host that answered. */
  get held(): boolean {
    return this.heldNow;
  }

  /**
   * Take or renew the lock on every host that answers. Held when every record is this
   * operator's; otherwise the holder found (a live one first). Hosts that do not answer
   * do not count: the lock is taken there once they do.
   */
  async ensure(hosts: readonly LockHost[]): Promise<LockVerdict> {
    const names = hosts.map((h) => h.name).join(" ");
    const started = this.o.time.now();
    this.renewals++;
    const lease: LockLease = { renewals: this.renewals, leaseMs: this.leaseMs };
    const results = await Promise.all(
      hosts.map((h) =>
        withTimeout(
          this.ensureOn(h, lease),
          this.o.timeoutMs ?? 5_000,
          this.o.time,
          `${h.name}: no answer`,
        ).catch((err: unknown) => {
          this.o.logger.debug({ host: h.name, err: errorMessage(err) }, "cluster lock: host not reached");
          return undefined;
        }),
      ),
    );
    const foreign = results.filter((r): r is Foreign => r !== undefined && !r.held);
    const worst = foreign.find((f) => f.lost) ?? foreign.find((f) => f.alive) ?? foreign[0];
    this.heldNow = worst === undefined;
    this.lastHeld = this.heldNow ? { at: started, hosts: names } : undefined;
    return worst ?? { held: true };
  }

  /**
   * As ensure(), but a lock held on these same hosts at most a renewal period ago (the operator
   * renews it on its own timer) is taken as held without a call: a pass at 1,000 hosts would
   * otherwise renew 1,000 records before doing anything.
   */
  async ensureRecent(hosts: readonly LockHost[]): Promise<LockVerdict> {
    const last = this.lastHeld;
    const recent =
      last !== undefined &&
      this.heldNow &&
      this.o.time.now() - last.at < this.leaseMs / 3 &&
      last.hosts === hosts.map((h) => h.name).join(" ");
    return recent ? { held: true } : this.ensure(hosts);
  }

  /** On a clean stop: remove this operator's records, so the next one starts at once. */
  async release(hosts: readonly LockHost[]): Promise<void> {
    await Promise.all(
      hosts.map(async (h) => {
        const id = this.mine.get(h.name);
        if (id === undefined) return;
        await withTimeout(h.lock.remove(id), this.o.timeoutMs ?? 5_000, this.o.time, "").catch(
          () => undefined,
        );
        this.mine.delete(h.name);
      }),
    );
    this.heldNow = false;
  }

  /** Remove this operator's record on one host (a host leaving the cluster); the lock stays held. */
  async releaseOn(h: LockHost): Promise<void> {
    const id = this.mine.get(h.name);
    if (id === undefined) return;
    await h.lock.remove(id);
    this.mine.delete(h.name);
    this.watching.delete(h.name);
  }

  private async ensureOn(h: LockHost, lease: LockLease): Promise<LockVerdict> {
    const { logger, me } = this.o;
    // Our record is renewed by its id in one call: nobody can have taken the lock from us while
    // it exists (taking over removes it first). Any failure: read the record and judge it.
    const ours = this.mine.get(h.name);
    if (ours !== undefined) {
      const renewed = await h.lock.renew(ours, lease).then(
        () => true,
        () => false,
      );
      if (renewed) return { held: true };
    }
    let record: LockRecord | undefined = await h.lock.read();
    for (let attempt = 0; attempt < 3; attempt++) {
      if (record === undefined) {
        const created = await h.lock.create(me, lease);
        if (created !== "exists") {
          this.mine.set(h.name, created.id);
          this.watching.delete(h.name);
          logger.info({ host: h.name }, `cluster lock taken on ${h.name}`);
          return { held: true };
        }
        record = await h.lock.read(); // someone was faster: see who
        continue;
      }
      if (sameProcess(record.holder, me)) {
        await h.lock.renew(record.id, lease);
        this.mine.set(h.name, record.id);
        return { held: true };
      }
      if (this.mine.has(h.name)) {
        // Ours until now and someone else's since: never fight over it.
        return { ...this.foreign(h.name, record), lost: true };
      }
      if (this.previousRun(record.holder)) {
        logger.info(
          { host: h.name, holder: record.holder },
          `cluster lock on ${h.name} held by a previous run of this operator: taken back`,
        );
        await h.lock.remove(record.id);
        record = undefined;
        continue;
      }
      const verdict = this.foreign(h.name, record);
      if (verdict.expiresInMs > 0) return verdict;
      logger.warn(
        { host: h.name, holder: record.holder },
        `cluster lock on ${h.name} held by ${describeHolder(record.holder)} was not renewed for its lease: taking it over`,
      );
      this.watching.delete(h.name);
      await h.lock.remove(record.id); // by id: a newer holder's record is never removed
      record = undefined;
    }
    if (record === undefined)
      throw new ControllerError("lock-lost", `${h.name}: the cluster lock changed hands while being taken`);
    return this.foreign(h.name, record);
  }

  /** A record held by someone else: watch its renewal counter on this operator's clock. */
  private foreign(host: string, record: LockRecord): Foreign {
    const now = this.o.time.now();
    const renewals = record.lease?.renewals;
    let w = this.watching.get(host);
    if (w === undefined || w.id !== record.id) {
      w = { id: record.id, renewals, since: now, changed: false };
      this.watching.set(host, w);
    } else if (w.renewals !== renewals) {
      w.renewals = renewals;
      w.since = now;
      w.changed = true;
    }
    const leaseMs = Math.min(record.lease?.leaseMs ?? this.leaseMs, MAX_LEASE_MS);
    return {
      held: false,
      host,
      holder: record.holder,
      alive: w.changed,
      lost: false,
      expiresInMs: Math.max(0, w.since + leaseMs - now),
    };
  }

  /** The same instance on the same machine whose process is gone (kill -9, then a restart). */
  private previousRun(h: LockIdentity): boolean {
    const me = this.o.me;
    if (h.instance !== me.instance || h.host !== me.host) return false;
    // Our own pid can be no other live operator (in a container it is often the same pid).
    return h.pid === me.pid || !this.o.pidAlive(h.pid);
  }
}

function sameProcess(a: LockIdentity, b: LockIdentity): boolean {
  return a.instance === b.instance && a.host === b.host && a.pid === b.pid && a.started === b.started;
}

/** For logs and the CLI: who holds the lock and what this operator does about it. */
export function describeVerdict(v: Foreign): string {
  const who = describeHolder(v.holder);
  if (v.lost) return `the cluster lock on ${v.host} was taken by ${who}`;
  return v.alive
    ? `the cluster is locked by another operator: ${who} (renewing its lease on ${v.host})`
    : `the cluster lock on ${v.host} is held by ${who}; taken over if not renewed within ${Math.ceil(v.expiresInMs / 1000)} s`;
}

/** "ops1 pid 4242 (instance 3f2a9c1d, started 2026-12-06T04:00:00.000Z)" */
export function describeHolder(h: LockIdentity): string {
  return `${h.host} pid ${h.pid} (instance ${h.instance.slice(0, 8)}, started ${new Date(h.started).toISOString()})`;
}
