// One host's cluster-lock record kept in memory, as Docker keeps the lock
// container: create is atomic by name (a second create finds it "exists"),
// renew and remove act only on the container id they name.

import type { LockIdentity, LockLease, LockRecord } from "../../../src/model/lock.js";
import type { HostLock } from "../../../src/ports/host.js";

export class MemoryLock implements HostLock {
  record: LockRecord | undefined;
  reads = 0;
  private next = 0;

  /** `idPrefix`: put before each container id made here (`c1`, `c2`, ... by default). */
  constructor(private readonly idPrefix = "") {}

  async read(): Promise<LockRecord | undefined> {
    this.reads++;
    return this.record;
  }
  async create(holder: LockIdentity, lease: LockLease): Promise<{ id: string } | "exists"> {
    if (this.record !== undefined) return "exists";
    const id = `${this.idPrefix}c${++this.next}`;
    this.record = { id, holder, lease };
    return { id };
  }
  async renew(id: string, lease: LockLease): Promise<void> {
    if (this.record?.id !== id) throw new Error("no such container");
    this.record = { ...this.record, lease };
  }
  async remove(id: string): Promise<void> {
    if (this.record?.id === id) this.record = undefined;
  }
}
