// Whether two versions of a service schedule the same: everything schedule()
// reads from a spec, compared field by field (no serialisation: this runs for
// every service on every incremental pass).

import type { Constraint, ServiceSpec } from "../model/spec.js";

export function sameSchedulingSpec(a: ServiceSpec, b: ServiceSpec): boolean {
  const da = a.deploy;
  const db = b.deploy;
  const pa = da.placement;
  const pb = db.placement;
  return (
    a.specHash === b.specHash &&
    da.mode === db.mode &&
    da.replicas === db.replicas &&
    da.reservations.nanoCpus === db.reservations.nanoCpus &&
    da.reservations.memoryBytes === db.reservations.memoryBytes &&
    pa.maxReplicasPerNode === pb.maxReplicasPerNode &&
    sameList(pa.constraints, pb.constraints, sameConstraint) &&
    sameList(pa.preferences, pb.preferences, (x, y) => x.spread === y.spread) &&
    sameList(
      a.ports,
      b.ports,
      (x, y) => x.mode === y.mode && x.published === y.published && x.protocol === y.protocol,
    )
  );
}

function sameConstraint(x: Constraint, y: Constraint): boolean {
  return x.key === y.key && x.op === y.op && x.value === y.value;
}

function sameList<T>(a: readonly T[], b: readonly T[], eq: (x: T, y: T) => boolean): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined || !eq(x, y)) return false;
  }
  return true;
}
