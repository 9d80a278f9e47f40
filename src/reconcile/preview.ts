// `gitfleet plan`: what the operator would do now, computed the way a pass
// does it but read-only: observe the live hosts (facts and containers only,
// nothing is created, started, stopped or removed), schedule, plan.

import type { Logger } from "../ports/logger.js";
import { ingressConflicts, type PortConflict } from "../edge/index.js";
import type { DesiredState } from "../model/spec.js";
import { plan as makePlan, type Plan } from "../plan/index.js";
import { schedule } from "../schedule/index.js";
import type { Placement } from "../schedule/types.js";
import { Fleet, type DriverFactory } from "../observe/fleet.js";
import { HostHealth } from "../observe/host-health.js";
import { Observer, type FleetObservation } from "../observe/observer.js";
import { RestartBook, restartHolds } from "./memory/restarts.js";
import type { Time } from "../ports/time.js";

export interface PreviewOptions {
  readonly desired: DesiredState;
  readonly drivers: DriverFactory;
  readonly logger: Logger;
  readonly time: Time;
  /** Deadline for one host (default 5 s). */
  readonly timeoutMs?: number;
}

export interface Preview {
  readonly plan: Plan;
  readonly placement: Placement;
  readonly observation: FleetObservation;
  /** Ingress ports a host's edge cannot serve: a container that is not ours holds them there. */
  readonly portConflicts: readonly PortConflict[];
}

export async function preview(o: PreviewOptions): Promise<Preview> {
  const time = o.time;
  const { cluster } = o.desired;
  const health = new HostHealth(
    { downAfterMs: cluster.settings.hostDownAfterMs, stableAfterMs: cluster.settings.hostStableAfterMs },
    time.now(),
  );
  health.retain(cluster.hosts.map((h) => h.name));
  // No event subscriptions: a preview only reads.
  const fleet = new Fleet(o.drivers, () => undefined, o.logger, { watch: false });
  try {
    await fleet.sync(cluster);
    const observer = new Observer({
      fleet,
      health,
      time,
      timeoutMs: o.timeoutMs ?? 5_000,
      onHealthChange: () => undefined,
      logger: o.logger,
    });
    const observation = await observer.observe(cluster);
    return previewObserved(o.desired, observation, time.now());
  } finally {
    fleet.close();
  }
}

/**
 * The deciding half of a preview, from an observation made elsewhere: the live hosts (above),
 * or the cluster as the status branch recorded it (`plan --against status`).
 */
export function previewObserved(desired: DesiredState, observation: FleetObservation, now: number): Preview {
  const placement = schedule(desired, observation.cluster);
  // Restart delays are known from the hosts; the operator's in-memory holds are not.
  const holds = restartHolds(desired, observation.cluster.replicas, new RestartBook(() => now), now);
  const plan = makePlan(desired, placement, observation.cluster, { holdRestart: holds.held });
  const portConflicts = observation.cluster.hosts.flatMap((h) =>
    ingressConflicts(desired.services, h.name, h.foreignPorts),
  );
  return { plan, placement, observation, portConflicts };
}
