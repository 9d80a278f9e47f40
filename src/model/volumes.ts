// Named volumes as gitfleet sees them. A host-local volume holds a replica's
// data on one host only, so the replica is bound to that host: which slot owns
// a volume is written on the volume itself (labels), and whether its data was
// moved elsewhere is written on the host beside it (a marker container), so the
// whole picture is rebuilt from the hosts after an operator restart.

import type { ClusterSpec, ServiceSpec, VolumeDecl } from "./spec.js";

export interface ObservedVolume {
  readonly host: string;
  /** Docker's name: gf-<cluster>-<source>. */
  readonly name: string;
  /** The name services mount (label gitfleet.volume); "" for a volume created before the label existed. */
  readonly source: string;
  readonly driver: string;
  /** The slot it was created for (labels gitfleet.service, gitfleet.slot). */
  readonly service?: string;
  readonly slot?: string;
  /** ms since epoch. */
  readonly createdAt: number;
  /** Made by a data move from this host: it counts only once the source says superseded. */
  readonly copyOf?: string;
  /** Its data was moved to this host and verified there; this copy is kept, never deleted. */
  readonly supersededBy?: string;
  /** Bytes used, when known (measured for volumes nothing uses). */
  readonly sizeBytes?: number;
}

/** Labels on our volumes and on the markers beside them. */
export const VOLUME_LABELS = {
  /** On volumes: the name services mount. On markers and helpers: the Docker volume concerned. */
  volume: "gitfleet.volume",
  copyOf: "gitfleet.copy-of",
  supersededBy: "gitfleet.superseded-by",
} as const;

/** gitfleet.role of the stopped container that marks a volume as superseded (and keeps it from prune). */
export const SUPERSEDED_ROLE = "volume-superseded";
/** gitfleet.role of the short-lived containers that copy a volume. */
export const HELPER_ROLE = "volume-helper";

export const DEFAULT_VOLUME_HELPER_IMAGE = "busybox:1.36";

/** Named volumes are host-local and prefixed by the cluster, so two clusters on a host never share one. */
export function volumeName(cluster: string, source: string): string {
  return `gf-${cluster}-${source}`;
}

/** On a shared driver (a driver other than local, or driver options such as NFS): the same data everywhere. */
export function isShared(decl: VolumeDecl | undefined): boolean {
  return decl !== undefined && (decl.driver !== "local" || Object.keys(decl.driverOpts).length > 0);
}

/**
 * The named volumes that bind a replica of spec to its host: host-local ones
 * that are not declared recreatable. Sorted, without repeats.
 */
export function boundSources(spec: ServiceSpec, cluster: Pick<ClusterSpec, "volumes">): string[] {
  const out = new Set<string>();
  for (const v of spec.volumes) {
    if (v.type !== "volume" || v.source === undefined) continue;
    const decl = cluster.volumes?.[v.source];
    if (isShared(decl) || decl?.recreatable === true) continue;
    out.add(v.source);
  }
  return [...out].sort();
}

/** Host-local volumes the spec declares recreatable: left behind (and reported) when the replica moves. */
export function recreatableSources(spec: ServiceSpec, cluster: Pick<ClusterSpec, "volumes">): string[] {
  const out = new Set<string>();
  for (const v of spec.volumes) {
    if (v.type !== "volume" || v.source === undefined) continue;
    const decl = cluster.volumes?.[v.source];
    if (decl?.recreatable === true && !isShared(decl)) out.add(v.source);
  }
  return [...out].sort();
}
