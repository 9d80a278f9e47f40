// A pure, happy-path simulator of the executor: applies a plan's steps to an
// ObservedCluster as Docker would (create → "created", start → "running" and
// healthy, stop → "exited", remove → gone). Tasks of one batch run
// interleaved step by step — the worst case for availability — and `onStep`
// sees the cluster after every step. It refuses steps on hosts that are not up.

import type { ObservedCluster, ObservedHost, ObservedReplica } from "../../src/model/observed.js";
import type { DesiredState } from "../../src/model/spec.js";
import type { ContainerRef, Plan, Step } from "../../src/plan/types.js";

export interface SimulateOptions {
  /** Called after each step with the cluster as it is then. */
  readonly onStep?: (cluster: ObservedCluster, step: Step) => void;
}

export function simulate(
  desired: DesiredState,
  plan: Plan,
  observed: ObservedCluster,
  options: SimulateOptions = {},
): ObservedCluster {
  const hosts = new Map<string, ObservedHost>(observed.hosts.map((h) => [h.name, h]));
  let replicas = [...observed.replicas];
  let clock = replicas.reduce((m, r) => Math.max(m, r.createdAt), 0) + 1;
  const specs = new Map(desired.services.map((s) => [s.name, s]));

  const find = (host: string, ref: ContainerRef): number =>
    replicas.findIndex(
      (r) => r.host === host && (ref.id !== undefined ? r.id === ref.id : r.name === ref.name),
    );

  const apply = (step: Step): void => {
    const h = hosts.get(step.host);
    if (h === undefined || h.state !== "up")
      throw new Error(`step ${step.kind} on unreachable host ${step.host}`);
    switch (step.kind) {
      case "pull":
        hosts.set(h.name, { ...h, images: [...new Set([...(h.images ?? []), step.image])] });
        break;
      case "create": {
        if (replicas.some((r) => r.host === step.host && r.name === step.name)) break; // 409: exists
        replicas.push({
          id: `sim-${clock}`,
          name: step.name,
          host: step.host,
          service: step.service,
          slot: step.slot,
          specHash: step.specHash,
          commit: "sim",
          state: "created",
          health: "none",
          createdAt: clock++,
          restartCount: 0,
          publishedPorts: {},
        });
        break;
      }
      case "start": {
        const i = must(find(step.host, step.container), step);
        const r = replicas[i] as ObservedReplica;
        const hc = specs.get(r.service)?.healthcheck !== undefined;
        const { exitCode: _e, finishedAt: _f, ...rest } = r;
        replicas[i] = { ...rest, state: "running", health: hc ? "healthy" : "none", startedAt: clock++ };
        break;
      }
      case "wait-healthy": {
        const i = must(find(step.host, step.container), step);
        const r = replicas[i] as ObservedReplica;
        if (r.state !== "running") throw new Error(`wait-healthy: ${r.name} is ${r.state}`);
        if (r.health === "starting") replicas[i] = { ...r, health: "healthy" }; // waiting is what makes it so
        break;
      }
      case "stop": {
        const i = must(find(step.host, step.container), step);
        const r = replicas[i] as ObservedReplica;
        replicas[i] = { ...r, state: "exited", health: "none", exitCode: 0, finishedAt: clock++ };
        break;
      }
      case "remove": {
        const i = find(step.host, step.container);
        if (i >= 0) replicas = replicas.filter((_, j) => j !== i); // 404: done
        break;
      }
    }
    options.onStep?.({ hosts: [...hosts.values()], replicas }, step);
  };

  for (const rollout of plan.rollouts) {
    for (const s of rollout.prepare) apply(s);
    for (const batch of rollout.batches) {
      const longest = Math.max(0, ...batch.tasks.map((t) => t.steps.length));
      for (let k = 0; k < longest; k++) {
        for (const t of batch.tasks) {
          const s = t.steps[k];
          if (s !== undefined) apply(s);
        }
      }
    }
    for (const s of rollout.cleanup) apply(s);
  }
  return { hosts: observed.hosts.map((h) => hosts.get(h.name) ?? h), replicas };
}

function must(i: number, step: Step): number {
  if (i < 0) throw new Error(`step ${step.kind}: no such container on ${step.host}: ${JSON.stringify(step)}`);
  return i;
}
