// Deterministic names for what gitfleet creates, so a restarted operator (or
// a second pass) recognises its own work and Docker's 409 means "exists".

/** A replica's identity within the cluster: one running container per key. */
export function slotKey(service: string, slot: string): string {
  return `${service}/${slot}`;
}

/**
 * A spec version's identity: the service and its spec hash. The hash is a fingerprint of the
 * container's shape only (two services with identical specs share it), so a spec is never
 * looked up, held or reported by its hash alone. Folding the name in here rather than into the
 * hash keeps every existing hash, so an upgrade replaces no running replica.
 */
export function specKey(service: string, specHash: string): string {
  return `${service}@${specHash}`;
}

/**
 * Container name for one replica of one spec version. The hash is in the name
 * because a start-first update runs old and new side by side on one host.
 */
export function containerName(cluster: string, service: string, slot: string, specHash: string): string {
  // Joined, not a template: V8 keeps a concatenation of that length as a tree of its parts (about
  // 150 bytes here) where a join makes one flat string (about 50); a deploy's plan keeps two
  // names per replica alive (test/unit/plan/task-memory.test.ts).
  return ["gf", cluster, service, slot, specHash.slice(0, 8)].join("-");
}

export function edgeContainerName(cluster: string): string {
  return `gf-${cluster}-edge`;
}

/** The edge's second container: on the cluster network, answering to the service names. */
export function edgeNamesContainerName(cluster: string): string {
  return `gf-${cluster}-edge-names`;
}

/** The per-host bridge network every managed container joins. */
export function clusterNetworkName(cluster: string): string {
  return `gf-${cluster}`;
}

/** A stack network on one host (`shop_default`, or an external network's name), as Docker names it. */
export function stackNetworkName(cluster: string, network: string): string {
  return `gf-${cluster}-net-${network}`;
}

/** The names edge of one stack network: on that network, answering to the names of its services. */
export function networkEdgeContainerName(cluster: string, network: string): string {
  return `gf-${cluster}-names-${network}`;
}

/**
 * Ports the edge uses itself inside its container (HAProxy's master socket), so
 * no ingress port may be published on them. Above Linux's ephemeral range.
 */
export const EDGE_RESERVED_PORTS: readonly number[] = [65001];
