// Step builders: the few sequences every task is made of, so each reads the
// same in the plan and in explain.

import { isLive, type ObservedReplica } from "../model/observed.js";
import { containerName } from "../model/names.js";
import type { ServiceSpec, UpdateConfig } from "../model/spec.js";
import type { ContainerRef, CreateStep, RemoveStep, Step, WaitHealthyStep } from "./types.js";

/** Without a healthcheck a replica is healthy once it keeps running; give it this long to start. */
const NO_HEALTHCHECK_TIMEOUT_MS = 10_000;

export function refOf(r: ObservedReplica): ContainerRef {
  return { id: r.id, name: r.name };
}

export function short(hash: string): string {
  return hash.slice(0, 8);
}

export { isLive };

export function newRef(cluster: string, spec: ServiceSpec, slot: string): ContainerRef {
  return { name: containerName(cluster, spec.name, slot, spec.specHash) };
}

export function createStep(
  cluster: string,
  spec: ServiceSpec,
  slot: string,
  host: string,
  reason: string,
): CreateStep {
  const name = containerName(cluster, spec.name, slot, spec.specHash);
  return {
    kind: "create",
    host,
    service: spec.name,
    slot,
    specHash: spec.specHash,
    name,
    image: spec.image,
    reason,
  };
}

export function waitStep(
  spec: ServiceSpec,
  host: string,
  container: ContainerRef,
  monitorMs: number,
): WaitHealthyStep {
  const hc = spec.healthcheck;
  const timeoutMs =
    hc === undefined
      ? NO_HEALTHCHECK_TIMEOUT_MS
      : hc.startPeriodMs + (hc.intervalMs + hc.timeoutMs) * (hc.retries + 1);
  const reason = hc === undefined ? "wait until it keeps running" : "wait until healthy";
  return {
    kind: "wait-healthy",
    host,
    container,
    hasHealthcheck: hc !== undefined,
    timeoutMs,
    monitorMs,
    reason,
  };
}

/** Create, start and watch the new container for a slot. */
export function bringUp(
  cluster: string,
  spec: ServiceSpec,
  slot: string,
  host: string,
  monitorMs: number,
  reason: string,
): Step[] {
  const ref = newRef(cluster, spec, slot);
  return [
    createStep(cluster, spec, slot, host, reason),
    { kind: "start", host, container: ref, reason: "start the new replica" },
    waitStep(spec, host, ref, monitorMs),
  ];
}

/** Stop (when live) and remove a container. */
export function takeDown(spec: ServiceSpec | undefined, r: ObservedReplica, reason: string): Step[] {
  const steps: Step[] = [];
  if (isLive(r)) steps.push(stopStep(spec, r.host, refOf(r), reason));
  steps.push(removeStep(r, reason));
  return steps;
}

export function stopStep(
  spec: ServiceSpec | undefined,
  host: string,
  container: ContainerRef,
  reason: string,
): Step {
  return { kind: "stop", host, container, graceMs: spec?.stopGracePeriodMs ?? 10_000, reason };
}

export function removeStep(r: ObservedReplica, reason: string): RemoveStep {
  return { kind: "remove", host: r.host, container: refOf(r), reason };
}

/**
 * Undo of a rolling task: bring the old container back and drop the new one, in
 * rollback_config's order.
 */
export function undoSteps(
  spec: ServiceSpec,
  cfg: UpdateConfig,
  old: ObservedReplica,
  newHost: string,
  newRef: ContainerRef,
): Step[] {
  const startOld: Step[] = [
    { kind: "start", host: old.host, container: refOf(old), reason: "roll back: start the previous replica" },
    waitStep(spec, old.host, refOf(old), cfg.monitorMs),
  ];
  const dropNew: Step[] = [
    stopStep(spec, newHost, newRef, "roll back: stop the new replica"),
    { kind: "remove", host: newHost, container: newRef, reason: "roll back: remove the new replica" },
  ];
  // Two replicas cannot bind one host-mode port on one host: then stop first whatever the config says.
  const startFirst = cfg.order === "start-first" && !(old.host === newHost && hasHostPorts(spec));
  return startFirst ? [...startOld, ...dropNew] : [...dropNew, ...startOld];
}

export function hasHostPorts(spec: ServiceSpec): boolean {
  return spec.ports.some((p) => p.mode === "host" && p.published !== undefined);
}
