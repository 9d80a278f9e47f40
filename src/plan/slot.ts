// One slot's change: compare the containers observed for the slot with the
// host the scheduler gave it. The kept container is the best one on that host
// (current spec, then healthiest, then newest); every other reachable one is
// a duplicate and goes, after the kept one runs.

import type { ObservedReplica } from "../model/observed.js";
import type { ServiceSpec } from "../model/spec.js";
import { compareReplicas } from "../schedule/replica-order.js";
import { failureOf, fixReplica, isFailed, restartAllowed } from "./restart.js";
import {
  bringUp,
  hasHostPorts,
  isLive,
  newRef,
  refOf,
  removeStep,
  short,
  stopStep,
  takeDown,
  undoSteps,
  waitStep,
} from "./steps.js";
import type { ChangeKind, RemoveStep, Step, Task } from "./types.js";

export interface ServiceCtx {
  readonly cluster: string;
  readonly spec: ServiceSpec;
  /** Hosts the executor can reach now (state "up"): nothing is planned on others. */
  readonly reachable: (host: string) => boolean;
  readonly restartHeld: (slot: string) => boolean;
  /** The scheduler's reason when the slot moves. */
  readonly moveReason: (slot: string) => string | undefined;
}

export interface SlotOutcome {
  readonly task: Task;
  readonly rolling: boolean;
  readonly cleanup: readonly RemoveStep[];
}

export function planSlot(
  sc: ServiceCtx,
  slot: string,
  host: string,
  cands: readonly ObservedReplica[],
): SlotOutcome | undefined {
  if (!sc.reachable(host)) return undefined; // the slot's host is not answering: wait for it
  const sorted = [...cands].sort((a, b) => compareReplicas(a, b, sc.spec.specHash));
  const keep = sorted.find((r) => r.host === host);
  const others = sorted.filter((r) => r !== keep);
  return keep !== undefined && keep.specHash === sc.spec.specHash
    ? keepCurrent(sc, slot, keep, others)
    : replace(sc, slot, host, keep, others);
}

/** The slot runs the current spec on its host: restart it if it must, drop duplicates. */
function keepCurrent(
  sc: ServiceCtx,
  slot: string,
  keep: ObservedReplica,
  others: readonly ObservedReplica[],
): SlotOutcome | undefined {
  const { spec } = sc;
  const monitorMs = spec.deploy.updateConfig.monitorMs;
  const fix = fixReplica(sc.cluster, spec, keep, sc.restartHeld(slot), monitorMs);
  const drop = dropDuplicates(sc, others, keep);
  if (fix === undefined && drop.length === 0) return undefined;
  const base = { service: spec.name, slot, host: keep.host, specHash: spec.specHash, undo: [] };
  if (fix !== undefined) {
    return { task: { ...base, ...fix, steps: [...fix.steps, ...drop] }, rolling: false, cleanup: [] };
  }
  // A duplicate may be the only healthy copy: it goes once the kept one, still starting, is healthy.
  const starting = keep.state === "running" && keep.health === "starting";
  const settle = starting ? [waitStep(spec, keep.host, refOf(keep), monitorMs)] : [];
  const task: Task = {
    ...base,
    host: drop[drop.length - 1]?.host ?? keep.host, // shown where the duplicate goes
    fromSpecHash: others[0]?.specHash ?? spec.specHash,
    change: "remove",
    reason: `duplicate of ${spec.name}/${slot} (keeping ${keep.name} on ${keep.host})`,
    steps: [...settle, ...drop],
  };
  return { task, rolling: false, cleanup: [] };
}

/**
 * The slot needs a new container on its host: an update (old spec there), a
 * move (its replica is elsewhere) or a create. A live replica elsewhere or of the
 * old spec is replaced as a rolling task in update_config's order; anything else
 * at once, since nothing healthy is taken down. A move whose replica failed
 * (exited or died, current spec) is a restart elsewhere: restart_policy decides
 * whether and when, and it counts as a restart.
 */
// eslint-disable-next-line max-lines-per-function -- one slot's replacement: the change kind, restart policy and task read as one decision
function replace(
  sc: ServiceCtx,
  slot: string,
  host: string,
  keep: ObservedReplica | undefined,
  others: readonly ObservedReplica[],
): SlotOutcome | undefined {
  const { spec } = sc;
  const old = keep ?? others.find((r) => sc.reachable(r.host) && isLive(r));
  const prior = old ?? others[0];
  const change: ChangeKind = keep !== undefined ? "update" : prior !== undefined ? "move" : "create";
  const failed =
    old === undefined &&
    prior !== undefined &&
    sc.reachable(prior.host) &&
    prior.specHash === spec.specHash &&
    isFailed(prior);
  if (failed && (sc.restartHeld(slot) || !restartAllowed(spec.deploy.restartPolicy, prior))) {
    return undefined; // left as it is, as a restart in place would be
  }
  const reason =
    change === "update"
      ? `spec ${short(keep?.specHash ?? "")} → ${short(spec.specHash)}`
      : (sc.moveReason(slot) ??
        (change !== "move"
          ? "new replica"
          : failed
            ? `replica on ${prior.host}: ${failureOf(prior)}`
            : `replica on ${prior?.host ?? "?"} is gone`));
  // One object literal with its steps, not `{ ...head, steps, undo }`: V8 gives a spread's copy room
  // for the copied properties only, so the two added after it took a property store of their own
  // (~0.3 KiB more per task; a deploy keeps every task alive: test/unit/plan/task-memory.test.ts).
  const task = (steps: readonly Step[], undo: readonly Step[]): Task => ({
    service: spec.name,
    slot,
    host,
    specHash: spec.specHash,
    change,
    reason,
    ...(change === "move" && prior !== undefined ? { from: prior.host } : {}),
    ...(prior !== undefined ? { fromSpecHash: prior.specHash } : {}),
    ...(failed ? { restart: true } : {}),
    ...(failed && prior.stoppedByOperator === true ? { operatorCaused: true as const } : {}),
    steps,
    undo,
  });
  const monitorMs = spec.deploy.updateConfig.monitorMs;
  const up = bringUp(sc.cluster, spec, slot, host, monitorMs, reason);
  const drop = dropDuplicates(
    sc,
    others.filter((r) => r !== old),
    undefined,
  );
  if (old === undefined || !sc.reachable(old.host) || !isLive(old)) {
    // Nothing healthy to protect: replace at once; a stopped old container on a reachable host goes first.
    const first = old !== undefined && sc.reachable(old.host) ? takeDown(spec, old, "replaced") : [];
    return { task: task([...first, ...up, ...drop], []), rolling: false, cleanup: [] };
  }
  const sameHostPorts = old.host === host && hasHostPorts(spec);
  const stopOld = stopStep(spec, old.host, refOf(old), `superseded by the ${change}`);
  // A move (drain, host leaving, rebalance) always starts the replacement first: the new
  // host's capacity is already reserved, and the old replica keeps serving until then.
  const startFirst = spec.deploy.updateConfig.order === "start-first" || change === "move";
  const steps: Step[] = startFirst && !sameHostPorts ? [...up, stopOld, ...drop] : [stopOld, ...up, ...drop];
  const undo = undoSteps(spec, spec.deploy.rollbackConfig, old, host, newRef(sc.cluster, spec, slot));
  const cleanup = [removeStep(old, `superseded by the ${change} of ${spec.name}/${slot}`)];
  return { task: task(steps, undo), rolling: true, cleanup };
}

function dropDuplicates(
  sc: ServiceCtx,
  dups: readonly ObservedReplica[],
  keep: ObservedReplica | undefined,
): Step[] {
  const steps: Step[] = [];
  for (const d of dups) {
    if (!sc.reachable(d.host)) continue;
    const of = `${sc.spec.name}/${d.slot}`;
    const why = keep === undefined ? `duplicate of ${of}` : `duplicate of ${of} (keeping ${keep.name})`;
    steps.push(...takeDown(sc.spec, d, why));
  }
  return steps;
}
