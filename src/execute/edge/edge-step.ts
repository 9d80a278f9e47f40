// The edge step as the act stage runs it: one at a time (a drain and the
// pass's own step must not interleave their reloads), each host's edge fenced
// like the executor's calls (a host frozen after the pass observed it must not
// hold the pass), and every result told to whoever reports endpoints.

import type { Logger } from "../../ports/logger.js";
import type { Time } from "../../ports/time.js";
import type { DesiredState } from "../../model/spec.js";
import type { Fleet } from "../../observe/fleet.js";
import type { HostHealth } from "../../observe/host-health.js";
import { fencedCalls } from "../../observe/fenced-driver.js";
import type { FleetObservation } from "../../observe/observer.js";
import { reconcileEdges, type EdgePassResult } from "./keeper.js";

export interface EdgeStepOptions {
  readonly fleet: Fleet;
  readonly health: HostHealth;
  readonly time: Time;
  readonly logger: Logger;
  /** Every step's result, a drain's included (endpoints and conflicts for status). */
  readonly onResult: (result: EdgePassResult) => void;
}

export class EdgeStep {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: EdgeStepOptions) {}

  /** Whether any host of the cluster has an edge (without, nothing holds replicas in rotation). */
  anyEdge(desired: DesiredState): boolean {
    return desired.cluster.hosts.some((h) => this.o.fleet.driver(h.name)?.edge !== undefined);
  }

  /** Every host's edge from `observation`, the `leaving` replicas out of rotation. */
  run(
    desired: DesiredState,
    observation: FleetObservation,
    leaving: ReadonlySet<string>,
  ): Promise<EdgePassResult> {
    const { fleet, health, time, logger } = this.o;
    const run = (): Promise<EdgePassResult> =>
      reconcileEdges(
        {
          desired,
          hosts: observation.cluster.hosts,
          replicas: observation.cluster.replicas,
          fresh: observation.fresh,
          leaving,
        },
        (h) => {
          const edge = fleet.driver(h)?.edge;
          return edge && fencedCalls(edge, health.downSignal(h, time.now()), h);
        },
        logger,
        { time },
      );
    const result = this.queue.then(run, run).then((r) => {
      this.o.onResult(r);
      return r;
    });
    this.queue = result.catch(() => undefined);
    return result;
  }
}
