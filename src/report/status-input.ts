// Assemble the status renderer's input from what one pass knows. Replicas are
// reported only from hosts read in this pass: what was last seen on a host
// that no longer answers is not reported as running.

import type { SourceSnapshot } from "../ports/index.js";
import type { DesiredState } from "../model/spec.js";
import type { Placement } from "../schedule/types.js";
import type {
  EndpointInput,
  EventLog,
  HostInput,
  RolloutPhase,
  ServiceInput,
  StatusInput,
  WaitNote,
} from "../status/index.js";
import { unusedVolumes } from "../status/unused-volumes.js";
import type { HostHealth } from "../observe/host-health.js";
import type { FleetObservation } from "../observe/observer.js";
import type { RolloutHolds } from "../reconcile/memory/rollout-holds.js";

export interface StatusFacts {
  readonly snapshot: SourceSnapshot;
  /** Hosts removed from cluster.yaml that still hold something of the cluster. */
  readonly removedHosts?: ReadonlySet<string>;
  readonly desired?: DesiredState;
  readonly observation?: FleetObservation;
  readonly placement?: Placement;
  readonly holds: RolloutHolds;
  /** Services whose rollout is under way right now. */
  readonly rolling: ReadonlySet<string>;
  readonly health: HostHealth;
  readonly events: EventLog;
  readonly error?: string;
  readonly now: number;
  /** Per service, published ports and the backends the edges have in rotation. */
  readonly endpoints?: ReadonlyMap<string, readonly EndpointInput[]>;
  /** Bytes of volumes, by "host/volume" (measured for unused ones only). */
  readonly volumeSizes?: ReadonlyMap<string, number>;
  /** Per service, published ports some host's edge cannot serve (held by a container not ours). */
  readonly portConflicts?: ReadonlyMap<string, readonly string[]>;
  /** Per held service, the older spec its failover and healing use. */
  readonly lastHealthy?: ReadonlyMap<string, string>;
  /** Per service, the slots waiting for a retry (backoff). */
  readonly waiting?: ReadonlyMap<string, readonly WaitNote[]>;
  /** The leadership term of this operator, when it runs in a standby group. */
  readonly leader?: { readonly holder: string; readonly epoch: number };
}

// eslint-disable-next-line max-lines-per-function -- the status input assembled from the pass's facts, one field after another
export function statusInput(f: StatusFacts): StatusInput {
  const { snapshot, desired, observation } = f;
  const observed = new Map((observation?.cluster.hosts ?? []).map((h) => [h.name, h]));
  const hosts: HostInput[] = (desired?.cluster.hosts ?? []).map((spec) => {
    const obs = observed.get(spec.name);
    const view = f.health.view(spec.name, f.now);
    return {
      name: spec.name,
      address: spec.address,
      state: obs?.state ?? view.state,
      drain: spec.drain,
      ...(f.removedHosts?.has(spec.name) === true ? { removed: true } : {}),
      capacity: {
        nanoCpus: spec.capacity.nanoCpus ?? obs?.capacity.nanoCpus ?? 0,
        memoryBytes: spec.capacity.memoryBytes ?? obs?.capacity.memoryBytes ?? 0,
      },
      ...(obs?.probation === true ? { probation: true } : {}),
      ...(view.lastSeen !== undefined && view.state === "down" ? { lastSeen: view.lastSeen } : {}),
    };
  });
  const services: ServiceInput[] = (desired?.services ?? []).map((spec) => {
    const sp = f.placement?.services.get(spec.name);
    const wanted =
      spec.deploy.mode === "global"
        ? (sp?.slots.size ?? 0) + (sp?.unschedulable?.slots.length ?? 0)
        : spec.deploy.replicas;
    const phase = phaseOf(spec.name, f);
    const endpoints = f.endpoints?.get(spec.name);
    const portConflicts = f.portConflicts?.get(spec.name) ?? [];
    const waiting = f.waiting?.get(spec.name);
    const lastHealthy =
      phase === "paused" || phase === "rolled-back" ? f.lastHealthy?.get(spec.name) : undefined;
    return {
      spec,
      desired: wanted,
      ...(phase !== undefined ? { phase } : {}),
      ...(sp?.unschedulable !== undefined ? { unschedulable: [sp.unschedulable.message] } : {}),
      ...(sp?.notes !== undefined ? { notes: sp.notes } : {}),
      ...(endpoints !== undefined ? { endpoints } : {}),
      ...(portConflicts.length > 0 ? { portConflicts } : {}),
      ...(waiting !== undefined && waiting.length > 0 ? { waiting } : {}),
      ...(lastHealthy !== undefined ? { lastHealthySpec: lastHealthy } : {}),
    };
  });
  const fresh = observation?.fresh ?? new Set<string>();
  const replicas = (observation?.cluster.replicas ?? []).filter((r) => fresh.has(r.host));
  const unused =
    desired !== undefined && f.placement !== undefined
      ? unusedVolumes(desired, f.placement, observation?.cluster.volumes ?? [], replicas).map((v) => {
          const size = f.volumeSizes?.get(`${v.host}/${v.volume}`);
          return size === undefined ? v : { ...v, sizeBytes: size };
        })
      : [];
  // A host that does not answer shows as such in `hosts`; only a failed pass is an error.
  const error = f.error;
  return {
    cluster: desired?.cluster.name ?? "",
    ...(snapshot.desired !== undefined ? { desired: commitInfo(snapshot.desired) } : {}),
    ...(snapshot.rejected !== undefined ? { rejected: snapshot.rejected } : {}),
    ...(snapshot.waiting !== undefined ? { waitingCommit: snapshot.waiting } : {}),
    ...(snapshot.suspension !== undefined ? { suspension: snapshot.suspension } : {}),
    ...(snapshot.desired?.warnings !== undefined && snapshot.desired.warnings.length > 0
      ? { warnings: snapshot.desired.warnings }
      : {}),
    ...(snapshot.outage !== undefined
      ? {
          outage: {
            since: snapshot.outage.since,
            error: snapshot.outage.error,
            ...(snapshot.fromCache === true ? { fromCache: true } : {}),
          },
        }
      : {}),
    ...(error !== undefined ? { error } : {}),
    ...(f.leader !== undefined ? { leader: f.leader } : {}),
    hosts,
    services,
    replicas,
    events: f.events,
    ...(unused.length > 0 ? { unusedVolumes: unused } : {}),
  };
}

function phaseOf(service: string, f: StatusFacts): RolloutPhase | undefined {
  if (f.rolling.has(service)) return "rolling-out";
  return f.holds.get(service)?.phase;
}

function commitInfo(d: NonNullable<SourceSnapshot["desired"]>) {
  return { commit: d.commit, author: d.author, message: d.message, timestamp: d.timestamp };
}
