// Leader election for standby operators: the port (a lease held in an existing
// store, etcd first) and the pure rules of fencing. The store decides who leads;
// these rules decide, from the local clock alone, whether this process may still act.

/** One leadership term, as granted by the store. */
export interface LeaseTerm {
  /** Who holds it (the operator's instance id). */
  readonly holder: string;
  /**
   * Grows with every new term, whoever wins it (etcd: the leader key's create revision).
   * Written on every container the leader creates or changes, and on its status commits,
   * so a stale leader's late work can be recognised.
   */
  readonly epoch: number;
  /** The store's handle for renewing or releasing the term. */
  readonly leaseId: string;
}

/** What the store says about the current leader, whoever it is. */
export interface LeaderRecord {
  readonly holder: string;
  readonly epoch: number;
}

/**
 * The lease store behind a port. etcd implements it first; PostgreSQL advisory
 * locks or Consul sessions would implement the same four calls (see README).
 */
export interface LeaseStore {
  /** Tries to take the lead for `ttlMs`. Resolves to the term when won, undefined when someone else holds it. */
  campaign(holder: string, ttlMs: number): Promise<LeaseTerm | undefined>;
  /** Renews the term; resolves false when the term is gone (expired or taken), throws when the store is unreachable. */
  renew(term: LeaseTerm): Promise<boolean>;
  /** Gives the term up at once (clean shutdown), so a standby need not wait for the TTL. */
  resign(term: LeaseTerm): Promise<void>;
  /** The current leader, if any. */
  leader(): Promise<LeaderRecord | undefined>;
}

export interface LeaseTiming {
  /** Lifetime of the lease in the store without renewal. */
  readonly ttlMs: number;
  /** How often the leader renews. */
  readonly renewEveryMs: number;
  /**
   * The leader stops acting when no renewal sent within this long has succeeded.
   * Strictly below the TTL: the store counts the TTL from when it received the
   * renewal, which is never earlier than when it was sent, so a leader that
   * stops at (last successful send + deadline) stops before the lease can expire.
   */
  readonly renewDeadlineMs: number;
}

export const DEFAULT_LEASE_TIMING: LeaseTiming = {
  ttlMs: 5_000,
  renewEveryMs: 1_000,
  renewDeadlineMs: 3_500,
};

/** Checks the timing makes fencing sound; returns what is wrong, if anything. */
export function leaseTimingProblem(t: LeaseTiming): string | undefined {
  if (t.ttlMs < 2_000) return "the lease TTL must be at least 2s (etcd's lease granularity is one second)";
  if (t.renewDeadlineMs >= t.ttlMs) return "renew_deadline must be shorter than the lease TTL";
  if (t.renewEveryMs * 2 > t.renewDeadlineMs)
    return "renew_every must be at most half of renew_deadline, so one lost renewal does not end the term";
  return undefined;
}

/** The local view of a term: when the last renewal that succeeded was sent. */
export interface HeldTerm {
  readonly term: LeaseTerm;
  /** ms since epoch at which the last successful renewal (or the campaign) was sent. */
  readonly renewedSentAt: number;
}

/**
 * Whether the holder of `held` may still make a call to a host at `now`. The
 * only clock it trusts is its own: after a pause (SIGSTOP, a long GC, a frozen VM)
 * `now` has moved on and the answer is no until a renewal succeeds again.
 */
export function mayAct(held: HeldTerm | undefined, now: number, timing: LeaseTiming): boolean {
  if (held === undefined) return false;
  return now - held.renewedSentAt < timing.renewDeadlineMs;
}

/**
 * Fencing by epoch: work observed on the hosts from a later term means this
 * process is a stale leader, whatever its lease says.
 */
export function supersededBy(ourEpoch: number, observedEpochs: Iterable<number>): number | undefined {
  let newest: number | undefined;
  for (const e of observedEpochs) if (e > ourEpoch && (newest === undefined || e > newest)) newest = e;
  return newest;
}

/** What the daemon asks of leader election while it runs (the elector implements it). */
export interface Leadership {
  /** Whether this process may make a call to a host, or push status, now. */
  mayAct(): boolean;
  /** The term held while this process may act. */
  readonly term: LeaseTerm | undefined;
  /** Gives the term up at once: work from a later epoch was seen on a host. */
  abdicate(reason: string): void;
}

/** The leader key's value: who holds it, readable by people and by other instances. */
export interface HolderIdentity {
  readonly instance: string;
  readonly host: string;
  readonly pid: number;
}
