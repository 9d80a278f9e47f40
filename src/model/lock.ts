// The cluster lock (single-instance guard): who holds it and its lease. One
// record per Docker host, so the hosts themselves tell a second operator that
// the cluster is taken, and by whom.

export interface LockIdentity {
  /** Persisted in the operator's work dir: the same operator after a restart. */
  readonly instance: string;
  /** The machine the operator runs on. */
  readonly host: string;
  readonly pid: number;
  /** ms since epoch */
  readonly started: number;
}

export interface LockLease {
  /** Incremented by every renewal: a contender judges expiry by it changing, on its own clock. */
  readonly renewals: number;
  readonly leaseMs: number;
}

export interface LockRecord {
  /** The record's own id on the host (its lock container), for removing exactly this one. */
  readonly id: string;
  readonly holder: LockIdentity;
  /** Absent for a moment while a holder creates it (or when unreadable). */
  readonly lease: LockLease | undefined;
}
