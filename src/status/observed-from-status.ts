// The cluster as the status branch recorded it, rebuilt as an observation, so
// `gitfleet plan --against status` can plan without reaching a Docker host.
// Status records each replica's slot, host, state, health, restarts, spec hash
// and commit (in full since spec_hash_full / commit_full were added; older
// files have short ones, which match no desired spec and so plan an update),
// and each host's state and capacity. What it does not record is left out:
// images present on hosts (a pull is assumed), ports held by other containers,
// volumes (no replica is bound to its host by a volume here).

import {
  containerState,
  type Health,
  type ObservedCluster,
  type ObservedHost,
  type ObservedReplica,
} from "../model/observed.js";
import type { DesiredState } from "../model/spec.js";
import type { StatusView } from "./readback.js";

const HEALTH = new Set<Health>(["healthy", "unhealthy", "starting", "none"]);

export interface StatusObservation {
  readonly cluster: ObservedCluster;
  /** Hosts of the desired cluster.yaml that status does not describe (new ones): by name, why. */
  readonly unobserved: ReadonlyMap<string, string>;
}

export function observedFromStatus(desired: DesiredState, view: StatusView): StatusObservation {
  const recorded = new Map(view.hosts.map((h) => [h.name, h]));
  const unobserved = new Map<string, string>();
  const hosts: ObservedHost[] = [];
  for (const spec of desired.cluster.hosts) {
    const h = recorded.get(spec.name);
    if (h === undefined) {
      unobserved.set(spec.name, "not in the status branch (added since the last status commit?)");
      continue;
    }
    hosts.push({
      name: spec.name,
      state: h.state === "down" ? "down" : "up",
      capacity: {
        nanoCpus: spec.capacity.nanoCpus ?? Math.round((h.cpus ?? 0) * 1e9),
        memoryBytes: spec.capacity.memoryBytes ?? h.memoryBytes ?? 0,
      },
      ...(h.probation ? { probation: true } : {}),
    });
  }
  const replicas: ObservedReplica[] = view.services.flatMap((s) =>
    s.replicas.map((r): ObservedReplica => ({
      id: r.container,
      name: r.name,
      host: r.host,
      service: s.name,
      slot: r.slot,
      specHash: r.specHash,
      ...(r.image !== undefined ? { image: r.image } : {}),
      commit: r.commit,
      state: containerState(r.state),
      health: HEALTH.has(r.health as Health) ? (r.health as Health) : "none",
      createdAt: r.createdAt ?? 0,
      restartCount: r.restarts,
      publishedPorts: {},
    })),
  );
  return { cluster: { hosts, replicas }, unobserved };
}
