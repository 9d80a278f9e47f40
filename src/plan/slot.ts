// One slot's change: compare the containers observed for the slot with the
// host the scheduler gave it. The kept container is the best one on that host
// (current spec, then healthiest, then newest); every other reachable one is
// a duplicate and goes, after the kept one runs.

import type { ObservedReplica } from "../model/observed.js";
import type { ServiceSpec } from "../model/spec.js";
import { compareReplicas } from "../schedule/replica-order.js";
import { fixReplica } from "./restart.js";
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
  const { spec } = sc;
  if (!sc.reachable(host)) return undefined; // the slot's host is not answering: wait for it
  const sorted = [...cands].sort((a, b) => compareReplicas(a, b, spec.specHash));
  const keep = sorted.find((r) => r.host === host);
  const others = sorted.filter((r) => r !== keep);
  const base = { service: spec.name, slot, host, specHash: spec.specHash };
  const monitorMs = spec.deploy.updateConfig.monitorMs;

  if (keep !== undefined && keep.specHash === spec.specHash) {
    const fix = fixReplica(sc.cluster, spec, keep, sc.restartHeld(slot), monitorMs);
    const drop = dropDuplicates(sc, others, keep);
    if (fix === undefined && drop.length === 0) return undefined;
    // A duplicate may be the only healthy copy: it goes once the kept one, still starting, is healthy.
    const starting = keep.state === "running" && keep.health === "starting";
    const settle = fix === undefined && starting ? [waitStep(spec, host, refOf(keep), monitorMs)] : [];
    // A duplicate-only task is shown where the duplicate goes.
    const dupHost = drop[drop.length - 1]?.host ?? host;
    const task: Task = {
      ...base,
      ...(fix === undefined ? { host: dupHost, fromSpecHash: others[0]?.specHash ?? spec.specHash } : {}),
      change: fix?.change ?? "remove",
      reason: fix?.reason ?? `duplicate of ${spec.name}/${slot} (keeping ${keep.name} on ${host})`,
      steps: [...(fix?.steps ?? settle), ...drop],
      undo: [],
    };
    return { task, rolling: false, cleanup: [] };
  }

  const old = keep ?? others.find((r) => sc.reachable(r.host) && isLive(r));
  const rest = others.filter((r) => r !== old);
  const change: ChangeKind =
    keep !== undefined ? "update" : old !== undefined || others.length > 0 ? "move" : "create";
  const reason =
    change === "update"
      ? `spec ${short(keep?.specHash ?? "")} → ${short(spec.specHash)}`
      : (sc.moveReason(slot) ??
        (change === "move" ? `replica on ${others[0]?.host ?? "?"} is gone` : "new replica"));
  const from = change === "move" ? (old ?? others[0])?.host : undefined;
  const fromHash = (old ?? others[0])?.specHash;
  const meta = { ...base, change, reason, ...(from !== undefined ? { from } : {}) };
  const withFrom = fromHash !== undefined ? { ...meta, fromSpecHash: fromHash } : meta;
  const up = bringUp(sc.cluster, spec, slot, host, monitorMs, reason);
  const drop = dropDuplicates(sc, rest, undefined);

  if (old === undefined || !sc.reachable(old.host) || !isLive(old)) {
    // Nothing healthy to protect: replace at once (the old one, if reachable, goes first to free its name).
    const first = old !== undefined && sc.reachable(old.host) ? takeDown(spec, old, "replaced") : [];
    return {
      task: { ...withFrom, steps: [...first, ...up, ...drop], undo: [] },
      rolling: false,
      cleanup: [],
    };
  }
  const cfg = spec.deploy.updateConfig;
  const sameHostPorts = old.host === host && hasHostPorts(spec);
  const stopOld = stopStep(spec, old.host, { id: old.id, name: old.name }, `superseded by the ${change}`);
  const steps: Step[] =
    cfg.order === "start-first" && !sameHostPorts ? [...up, stopOld, ...drop] : [stopOld, ...up, ...drop];
  const undo = undoSteps(spec, spec.deploy.rollbackConfig, old, host, newRef(sc.cluster, spec, slot));
  const cleanup = [removeStep(old, `superseded by the ${change} of ${spec.name}/${slot}`)];
  return { task: { ...withFrom, steps, undo }, rolling: true, cleanup };
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
