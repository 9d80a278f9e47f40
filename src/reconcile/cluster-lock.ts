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
import { raceDown } from "../observe/fenced-driver.js";
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
  /**
   * Aborted when the heartbeat declares the host down: its calls are abandoned then (a frozen
   * host otherwise holds a round, and the pass waiting on it, until the round's deadline).
   */
  readonly down?: AbortSignal;
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

/** What the shared deadline of one renewal round resolves with. */
const NO_ANSWER: unique symbol = Symbol("no answer");
/** Cancels that deadline's timer: a reason of our own, so no DOMException is built per round. */
const SETTLED = new Error("settled");

export class ClusterLock {
  private renewals = 0;
  /** Docker host → the id of this operator's record there. */
  private readonly mine = new Map<string, string>();
  private readonly watching = new Map<string, Watch>();
  private heldNow = false;
  /** Docker host → when its record's last renewal that landed was sent (this operator's clock). */
  private readonly renewedAt = new Map<string, number>();
  /**
   * Docker host → when a round last asked it, answered or not, or a beat renewed it: a host that
   * did not answer costs a round's deadline once per renewal period, not once per pass.
   */
  private readonly askedAt = new Map<string, number>();
  /** Hosts whose renewal on a beat did not land: the next round asks them, whatever their age. */
  private readonly unsure = new Set<string>();
  /** The heartbeat's interval when renewals ride on its beats (see beatEvery); 0 when they do not. */
  private beatMs: () => number = () => 0;

  constructor(private readonly o: ClusterLockOptions) {}

  get leaseMs(): number {
    return this.o.leaseMs ?? DEFAULT_LOCK_LEASE_MS;
  }

  /** How often each host's record is renewed: a third of the lease (5 s of 15 s). */
  get renewEveryMs(): number {
    return Math.max(200, Math.floor(this.leaseMs / 3));
  }

  /**
   * Renewals ride on the heartbeat's beats, one every `intervalMs()`: a host's renewal, due
   * renewEveryMs after its last, is sent on its next beat (due/landed), so records are up to
   * renewEveryMs + one interval old when all is well (at most two thirds of the lease: the
   * interval is at most 5 s). renewStale's rounds then ask only hosts older than that.
   */
  beatEvery(intervalMs: () => number): void {
    this.beatMs = intervalMs;
  }

  /** The age up to which a host's record counts as renewed on time (no call needed). */
  get freshMs(): number {
    return this.renewEveryMs + this.beatMs();
  }

  /**
   * When renewals ride on the beats: the age at which the operator's own renewal round asks a
   * host anyway (its beats missed: a round every renewEveryMs / 2 catches it), at most two
   * thirds of the lease.
   */
  get backstopMs(): number {
    return Math.min(this.freshMs + this.beatMs() / 2, 2 * this.renewEveryMs);
  }

  /**
   * The renewal due on this host now, for the heartbeat (beating every beatMs) to send as its beat: undefined when the
   * lock is not held, the record is not this operator's, the last renewal is recent, or the
   * last beat's renewal did not land (a renewal round reads the record first).
   */
  due(
    host: string,
    now: number,
    beatMs: number,
  ): { readonly id: string; readonly lease: LockLease } | undefined {
    if (!this.heldNow || this.unsure.has(host)) return undefined;
    const id = this.mine.get(host);
    const at = this.renewedAt.get(host);
    // A tenth of a beat early rather than a whole beat late (timers fire a little late).
    if (id === undefined || at === undefined || now - at < this.renewEveryMs - beatMs / 10) return undefined;
    this.renewals++;
    return { id, lease: { renewals: this.renewals, leaseMs: this.leaseMs } };
  }

  /** What became of a renewal due() handed out, sent at `sentAt`: it landed, or it did not. */
  landed(host: string, sentAt: number, ok: boolean): void {
    if (!this.mine.has(host)) return; // released meanwhile
    if (!ok) {
      this.unsure.add(host);
      return;
    }
    this.renewedAt.set(host, Math.max(sentAt, this.renewedAt.get(host) ?? sentAt));
    this.askedAt.set(host, Math.max(sentAt, this.askedAt.get(host) ?? sentAt));
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
    const verdict = await this.ensureAll(hosts);
    this.heldNow = verdict.held;
    return verdict;
  }

  /**
   * As ensure(), but a host whose record was renewed at most a renewal period ago (the operator
   * renews on its own timer, or on the heartbeat's beats: then freshMs) is taken as held without
   * a call: a pass at 1,000 hosts would otherwise renew 1,000 records before doing anything.
   * Only the others are asked (new to the cluster, back after being down, due); a host gone from
   * the list (declared down) costs nothing, so a failover pass does not first wait for 999
   * renewals.
   */
  ensureRecent(hosts: readonly LockHost[]): Promise<LockVerdict> {
    return this.renewStale(hosts, this.freshMs);
  }

  /**
   * A renewal round on the hosts whose record is older than maxAgeMs (or never taken, or whose
   * beat's renewal did not land); the lock is held when none needs one. Not held before: every
   * host is asked.
   */
  async renewStale(hosts: readonly LockHost[], maxAgeMs: number): Promise<LockVerdict> {
    if (!this.heldNow) return this.ensure(hosts);
    const now = this.o.time.now();
    const stale = hosts.filter((h) => {
      const at = this.askedAt.get(h.name);
      return at === undefined || now - at >= maxAgeMs || this.unsure.has(h.name);
    });
    if (stale.length === 0) return { held: true };
    const verdict = await this.ensureAll(stale);
    if (!verdict.held) this.heldNow = false;
    return verdict;
  }

  /**
   * One renewal round on these hosts, all under one deadline (one timer, not one per host):
   * held when every record that answered is this operator's, else the worst holder found.
   */
  private async ensureAll(hosts: readonly LockHost[]): Promise<LockVerdict> {
    const started = this.o.time.now();
    this.renewals++;
    const lease: LockLease = { renewals: this.renewals, leaseMs: this.leaseMs };
    const stop = new AbortController();
    const deadline = this.o.time
      .sleep(this.o.timeoutMs ?? 5_000, stop.signal)
      .then((): typeof NO_ANSWER => NO_ANSWER);
    const unreached = (h: LockHost, err: string): undefined => {
      this.o.logger.debug({ host: h.name, err }, "cluster lock: host not reached");
      return undefined;
    };
    let results: (LockVerdict | undefined)[];
    try {
      results = await Promise.all(
        hosts.map((h) =>
          Promise.race([this.fenced(h, this.ensureOn(h, lease)), deadline]).then(
            (r) => (r === NO_ANSWER ? unreached(h, `${h.name}: no answer`) : r),
            (err: unknown) => unreached(h, errorMessage(err)),
          ),
        ),
      );
    } finally {
      stop.abort(SETTLED);
    }
    for (const [i, h] of hosts.entries()) {
      this.askedAt.set(h.name, started);
      if (results[i]?.held !== true) continue;
      this.renewedAt.set(h.name, started);
      this.unsure.delete(h.name);
    }
    const foreign = results.filter((r): r is Foreign => r !== undefined && !r.held);
    const worst = foreign.find((f) => f.lost) ?? foreign.find((f) => f.alive) ?? foreign[0];
    return worst ?? { held: true };
  }

  private fenced<T>(h: LockHost, p: Promise<T>): Promise<T> {
    return h.down === undefined ? p : raceDown(p, h.down, h.name);
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
    this.renewedAt.clear();
    this.askedAt.clear();
    this.unsure.clear();
    this.heldNow = false;
  }

  /** Remove this operator's record on one host (a host leaving the cluster); the lock stays held. */
  async releaseOn(h: LockHost): Promise<void> {
    const id = this.mine.get(h.name);
    if (id === undefined) return;
    await h.lock.remove(id);
    this.mine.delete(h.name);
    this.renewedAt.delete(h.name);
    this.askedAt.delete(h.name);
    this.unsure.delete(h.name);
    this.watching.delete(h.name);
  }

  // eslint-disable-next-line max-lines-per-function -- take, renew or refuse the lock on one host, with its bounded retries, as one protocol
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
