// Errors from the lease store, with stable codes the daemon and tests match on.

export type EtcdErrorCode =
  /** No endpoint answered within the deadline (the store is unreachable from here). */
  | "etcd-unreachable"
  /** An endpoint answered with an error status or a body that is not etcd's. */
  | "etcd-bad-response";

export class EtcdError extends Error {
  constructor(
    readonly code: EtcdErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "EtcdError";
  }
}
