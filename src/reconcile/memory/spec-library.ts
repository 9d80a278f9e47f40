// The specs of earlier commits, by service and spec hash (specKey): what a
// held service's failover and healing need to create a replica of the last
// healthy spec of a slot when the desired commit carries a newer, failed one.
// Filled from every desired state a pass sees; trimmed to the specs some
// container still runs. In memory: after an operator restart only the specs
// of commits seen since are known (the planner then starts stopped containers
// of unknown specs in place).

import { specKey } from "../../model/names.js";
import type { ObservedReplica } from "../../model/observed.js";
import type { DesiredState, ServiceSpec } from "../../model/spec.js";

export class SpecLibrary {
  private readonly specs = new Map<string, ServiceSpec>();

  remember(desired: DesiredState): void {
    for (const s of desired.services) this.specs.set(specKey(s.name, s.specHash), s);
  }

  readonly specOf = (service: string, specHash: string): ServiceSpec | undefined =>
    this.specs.get(specKey(service, specHash));

  /** Keep the desired specs and those of containers that exist (call with a complete observation). */
  retain(desired: DesiredState, replicas: readonly ObservedReplica[]): void {
    const wanted = new Set(desired.services.map((s) => specKey(s.name, s.specHash)));
    // By service, then hash: no key string made per replica (every pass sees every replica).
    const running = new Map<string, Set<string>>();
    for (const r of replicas) {
      let hashes = running.get(r.service);
      if (hashes === undefined) running.set(r.service, (hashes = new Set()));
      hashes.add(r.specHash);
    }
    for (const [k, s] of [...this.specs])
      if (!wanted.has(k) && running.get(s.name)?.has(s.specHash) !== true) this.specs.delete(k);
  }
}
