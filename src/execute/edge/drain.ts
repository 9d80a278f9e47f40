// Drain before stop: a replica leaves every edge's rotation (a seamless
// reload), then gets a moment to finish what it serves, and only then is
// stopped. Without it, a start-first update would stop the old replica while
// edges still send it requests (they only learn at the end of the pass).
// The executor is unaware: it gets a driver whose stop() does this first.
// The drain itself is part of the act stage: a fresh look at the hosts and
// the edge step, both handed in by the pass (passDrain), never a call back
// into the reconciler.

import type { HostDriver } from "../../ports/host.js";
import type { Time } from "../../ports/time.js";
import type { FleetObservation } from "../../observe/observer.js";
import type { EdgePassResult } from "./keeper.js";
import { forwarding } from "../forwarding-driver.js";

/** Time between leaving rotation and the stop signal: in-flight requests finish meanwhile. */
export const EDGE_DRAIN_MS = 1_000;

export function withDrainBeforeStop(
  d: HostDriver,
  drain: (ref: string) => Promise<"drained" | "nothing-to-drain">,
  time: Time,
): HostDriver {
  return {
    ...forwarding(d),
    stop: async (ref, graceMs) => {
      // A drain that fails must not block the stop: the edges' own checks catch up.
      const drained = await drain(ref).catch(() => "nothing-to-drain" as const);
      if (drained === "drained") await time.sleep(EDGE_DRAIN_MS);
      return d.stop(ref, graceMs);
    },
  };
}

export type DrainResult = "drained" | "nothing-to-drain";

/**
 * Drains asked for while one runs go together in the next one: an update with parallelism 0
 * stops every replica of a service at once (1,000 at 1,000 hosts), and each drain looks at
 * every host and plans every edge; batched, that is done once or twice instead of per replica.
 */
export class DrainBatches {
  private waiting:
    { readonly refs: Set<string>; readonly result: Promise<ReadonlyMap<string, DrainResult>> } | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly run: (refs: ReadonlySet<string>) => Promise<ReadonlyMap<string, DrainResult>>,
  ) {}

  drain(ref: string): Promise<DrainResult> {
    let batch = this.waiting;
    if (batch === undefined) {
      const refs = new Set<string>();
      const result = this.tail.then(() => {
        this.waiting = undefined; // this batch is closed: later drains form the next one
        return this.run(refs);
      });
      batch = { refs, result };
      this.waiting = batch;
      this.tail = result.catch(() => undefined);
    }
    batch.refs.add(ref);
    return batch.result.then((m) => m.get(ref) ?? "nothing-to-drain");
  }
}

export interface PassDrainPorts {
  /** Whether any host has an edge: with none, nothing holds replicas in rotation. */
  readonly anyEdge: () => boolean;
  /** A fresh look at every host of the cluster. */
  readonly look: () => Promise<FleetObservation>;
  /** The edge step from that look, with `leaving` out of rotation. */
  readonly edges: (observation: FleetObservation) => Promise<EdgePassResult>;
  /** Replicas out of rotation this pass (by container name): the pass's own edge step keeps them out. */
  readonly leaving: Set<string>;
}

/** One pass's drain: the replicas named (by id or name) leave every edge's rotation, from a fresh look. */
export function passDrain(
  p: PassDrainPorts,
): (refs: ReadonlySet<string>) => Promise<Map<string, DrainResult>> {
  return async (refs) => {
    const out = new Map<string, DrainResult>();
    if (!p.anyEdge()) return out;
    const observation = await p.look();
    const found = observation.cluster.replicas.filter((r) => refs.has(r.id) || refs.has(r.name));
    if (found.length === 0) return out;
    for (const r of found) p.leaving.add(r.name);
    const result = await p.edges(observation);
    const changed = [...result.outcomes.values()].some((o) => o !== "unchanged");
    for (const r of found) {
      const outcome = changed ? "drained" : "nothing-to-drain";
      out.set(r.id, outcome);
      out.set(r.name, outcome);
    }
    return out;
  };
}
