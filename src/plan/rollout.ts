// A service's tasks become a rollout: image pulls first; then one batch of
// tasks that take nothing healthy down (new slots, restarts, replacements of
// lost replicas, surplus removal); then the rolling tasks (updates and moves of
// live replicas) in batches of update_config.parallelism (0 = all at once),
// with update_config.delay between batches; cleanup at the end.

import type { ObservedHost } from "../model/observed.js";
import type { ServiceSpec } from "../model/spec.js";
// Services that are only being removed have no spec left: Swarm's defaults apply.
import { SWARM_UPDATE_DEFAULTS } from "../spec/normalise-deploy.js";
import type { Batch, PullStep, RemoveStep, Rollout, Task } from "./types.js";

export interface ServiceTasks {
  readonly immediate: readonly Task[];
  readonly rolling: readonly Task[];
  readonly cleanup: readonly RemoveStep[];
}

export function buildRollout(
  name: string,
  spec: ServiceSpec | undefined,
  tasks: ServiceTasks,
  hosts: ReadonlyMap<string, ObservedHost>,
): Rollout | undefined {
  const { immediate, rolling, cleanup } = tasks;
  if (immediate.length === 0 && rolling.length === 0 && cleanup.length === 0) return undefined;
  const cfg = spec?.deploy.updateConfig ?? SWARM_UPDATE_DEFAULTS;
  const batches: Batch[] = [];
  if (immediate.length > 0) {
    batches.push({
      rolling: false,
      reason: "nothing healthy is taken down",
      tasks: immediate,
      delayAfterMs: 0,
    });
  }
  const size = cfg.parallelism > 0 ? cfg.parallelism : Math.max(1, rolling.length);
  const count = Math.ceil(rolling.length / size);
  for (let b = 0; b < count; b++) {
    const part = rolling.slice(b * size, (b + 1) * size);
    batches.push({
      rolling: true,
      reason: `rolling batch ${b + 1}/${count} (parallelism ${cfg.parallelism === 0 ? "all" : cfg.parallelism}, ${cfg.order})`,
      tasks: part,
      delayAfterMs: b + 1 < count ? cfg.delayMs : 0,
    });
  }
  return {
    service: name,
    reason: summarize([...immediate, ...rolling]),
    updateConfig: cfg,
    rollbackConfig: spec?.deploy.rollbackConfig ?? SWARM_UPDATE_DEFAULTS,
    dependsOn: spec?.dependsOn ?? [],
    waitFor: [],
    prepare: spec === undefined ? [] : pulls(batches, hosts),
    batches,
    cleanup,
  };
}

/** One pull per host and image of a new container, where the host does not have it (or does not say). */
function pulls(batches: readonly Batch[], hosts: ReadonlyMap<string, ObservedHost>): PullStep[] {
  const need = new Map<string, { host: string; image: string }>();
  for (const b of batches) {
    for (const t of b.tasks) {
      for (const s of t.steps) {
        if (s.kind !== "create") continue;
        const images = hosts.get(s.host)?.images;
        if (images === undefined || !images.includes(s.image))
          need.set(`${s.host}\u0000${s.image}`, { host: s.host, image: s.image });
      }
    }
  }
  return [...need.keys()].sort().flatMap((k) => {
    const n = need.get(k);
    if (n === undefined) return [];
    const known = hosts.get(n.host)?.images !== undefined;
    const reason = known ? `image not present on ${n.host}` : "images on host unknown";
    return [{ kind: "pull" as const, host: n.host, image: n.image, reason }];
  });
}

function summarize(tasks: readonly Task[]): string {
  const counts = new Map<string, number>();
  for (const t of tasks) counts.set(t.change, (counts.get(t.change) ?? 0) + 1);
  const order = ["create", "update", "move", "restart", "remove"];
  return order
    .filter((c) => counts.has(c))
    .map((c) => `${counts.get(c) ?? 0} ${c}`)
    .join(", ");
}
