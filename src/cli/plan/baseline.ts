// What each service runs now, as a spec, so plan can show field-level
// changes instead of two hashes. Replicas carry only a spec hash and the
// commit that created them; the spec is read back from that commit in the
// repository. A reference state (the watched branch's desired state, when the
// operator's repository is known) is preferred where it has the running hash:
// it also knows later deploy-only changes (replicas, placement) that did not
// recreate containers.

import { isLive, type ObservedReplica } from "../../model/observed.js";
import type { DesiredState, ServiceSpec } from "../../model/spec.js";

export type StateAt = (commit: string) => Promise<DesiredState | undefined>;

export interface Baseline {
  /** The spec the service's live replicas run, when it could be read. */
  readonly spec?: ServiceSpec;
  /** Spec hash and commit of the newest live replica. */
  readonly specHash: string;
  readonly commit: string;
}

export async function baselines(
  replicas: readonly ObservedReplica[],
  reference: DesiredState | undefined,
  stateAt: StateAt | undefined,
): Promise<Map<string, Baseline>> {
  const newest = new Map<string, ObservedReplica>();
  for (const r of replicas) {
    if (!isLive(r)) continue;
    const seen = newest.get(r.service);
    if (seen === undefined || r.createdAt > seen.createdAt) newest.set(r.service, r);
  }
  const states = new Map<string, Promise<DesiredState | undefined>>();
  const load = (commit: string): Promise<DesiredState | undefined> => {
    let p = states.get(commit);
    if (p === undefined) {
      p = stateAt === undefined ? Promise.resolve(undefined) : stateAt(commit);
      states.set(commit, p);
    }
    return p;
  };
  const out = new Map<string, Baseline>();
  for (const [service, r] of newest) {
    const ref = reference?.services.find((s) => s.name === service);
    const spec =
      ref?.specHash === r.specHash
        ? ref
        : (await load(r.commit))?.services.find((s) => s.name === service && s.specHash === r.specHash);
    out.set(service, { specHash: r.specHash, commit: r.commit, ...(spec !== undefined ? { spec } : {}) });
  }
  return out;
}
