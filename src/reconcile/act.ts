// The act stage of a pass: the plan's rollouts carried out on the hosts. Each
// host's driver is fenced (a step on a host declared down is cancelled at
// once, even one in flight), remembers the volumes a create makes, and drains
// before it stops: a replica leaves every edge's rotation first (stops asked
// for together drain together: one look at the hosts and one edge step per
// batch). What the rollouts ended as goes into the reconciler's memory.

import type { DesiredState } from "../model/spec.js";
import type { Plan } from "../plan/index.js";
import type { Logger } from "../ports/logger.js";
import type { Time } from "../ports/time.js";
import type { HostDriver } from "../ports/host.js";
import type { EventSink } from "../report/events.js";
import { DrainBatches, passDrain, withDrainBeforeStop } from "../execute/edge/drain.js";
import type { EdgeStep } from "../execute/edge/edge-step.js";
import { executePlan, type ExecutionResult } from "../execute/index.js";
import { forwarding } from "../execute/forwarding-driver.js";
import type { AdmissionLimits } from "../execute/admission.js";
import { fenced } from "../observe/fenced-driver.js";
import type { Fleet } from "../observe/fleet.js";
import type { HostHealth } from "../observe/host-health.js";
import type { FleetObservation, Observer } from "../observe/observer.js";
import type { ReconcileMemory } from "./memory/index.js";

export interface ActPorts {
  readonly fleet: Fleet;
  readonly health: HostHealth;
  readonly observer: Observer;
  readonly edges: EdgeStep;
  readonly memory: ReconcileMemory;
  readonly time: Time;
  readonly logger: Logger;
  readonly events: EventSink;
  /** wait-healthy poll interval (default 250 ms). */
  readonly pollMs?: number;
  /** Replica tasks running at once per host and in the fleet (default: admission.ts's). */
  readonly admission?: AdmissionLimits;
}

export interface ActInput {
  readonly desired: DesiredState;
  readonly commit: string;
  readonly plan: Plan;
  /** Replicas out of every edge's rotation this pass (by container name); the drains add to it. */
  readonly leaving: Set<string>;
  readonly signal: AbortSignal;
}

export async function act(p: ActPorts, input: ActInput): Promise<ExecutionResult> {
  const { desired, leaving } = input;
  const { time, memory } = p;
  const drains = new DrainBatches(
    passDrain({
      anyEdge: () => p.edges.anyEdge(desired),
      // A fresh look at every host: replicas started since the pass observed them are drained too.
      look: () => p.observer.observe(desired.cluster),
      edges: (observation: FleetObservation) => p.edges.run(desired, observation, leaving),
      leaving,
    }),
  );
  // Every step and every wait-healthy look asks for its host's driver: the wrapped one is kept
  // while the host's driver and its down signal are the same (thousands of steps in a deploy).
  const wrapped = new Map<string, { raw: HostDriver; down: AbortSignal; driver: HostDriver }>();
  return executePlan(
    {
      desired,
      commit: input.commit,
      specOf: memory.specs.specOf,
      driver: (h) => {
        const raw = p.fleet.driver(h);
        if (raw === undefined) return undefined;
        const down = p.health.downSignal(h, time.now());
        const known = wrapped.get(h);
        if (known !== undefined && known.raw === raw && known.down === down) return known.driver;
        // Remembering volumes inside the fence: only a create actually sent can have made one.
        const d = fenced(rememberingVolumes(p.observer, raw, desired), down);
        if (d === undefined) return undefined;
        const driver = withDrainBeforeStop(d, (ref) => drains.drain(ref), time);
        wrapped.set(h, { raw, down, driver });
        return driver;
      },
      time,
      signal: input.signal,
      events: p.events,
      restarts: memory.restarts,
      logger: p.logger,
      ...(p.pollMs !== undefined ? { pollMs: p.pollMs } : {}),
      ...(p.admission !== undefined ? { admissionLimits: p.admission } : {}),
    },
    input.plan,
  );
}

/**
 * A create makes the replica's named volumes on the host: the observer takes
 * them to be there from before the call until a listing shows the truth, so
 * a host lost in between still binds the slot (never started elsewhere empty).
 */
function rememberingVolumes(observer: Observer, d: HostDriver, desired: DesiredState): HostDriver {
  const cluster = desired.cluster.name;
  return {
    ...forwarding(d),
    create: async (req) => {
      const settled = observer.creating(cluster, d.name, req.service, req.slot);
      try {
        return await d.create(req);
      } finally {
        settled();
      }
    },
    ...(d.volumes !== undefined ? { volumes: d.volumes } : {}),
  };
}
