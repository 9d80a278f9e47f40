// The host book port: the hosts this operator has put containers on, kept
// across restarts (adapters/system/host-book.ts keeps them in the work dir), so
// a host removed from cluster.yaml is still reached to clean it up.

import type { HostSpec } from "../model/spec.js";

/** Where the hosts gitfleet has put containers on are remembered (the operator's work dir). */
export interface HostBook {
  load(): Promise<readonly HostSpec[] | undefined>;
  save(hosts: readonly HostSpec[]): Promise<void>;
}
