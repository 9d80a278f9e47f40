// A service's deploy block, with the cluster's defaults merged under it and
// Swarm's defaults under those, to the model's DeploySpec.

import type { Constraint, DeploySpec, Resources, RestartPolicy, UpdateConfig } from "../model/spec.js";
import { parseConstraint } from "./constraints.js";
import { durationMs, nameOf, nanoCpus, sizeBytes, type Ctx } from "./context.js";
import type { PathSegment } from "./positions.js";
import type { RawDeploy, RawResourceSet, RawUpdateConfig } from "./raw.js";

/** Swarm's defaults for update_config and rollback_config. */
export const SWARM_UPDATE_DEFAULTS: UpdateConfig = {
  parallelism: 1,
  delayMs: 0,
  order: "stop-first",
  failureAction: "pause",
  monitorMs: 5000,
  maxFailureRatio: 0,
};

export const SWARM_RESTART_DEFAULTS: RestartPolicy = {
  condition: "any",
  delayMs: 5000,
  maxAttempts: 0,
  windowMs: 0,
};

/** Objects merge key by key; lists and scalars from `over` replace those in `under`. */
export function mergeDeploy(under: RawDeploy | undefined, over: RawDeploy | undefined): RawDeploy {
  return deepMerge(under ?? {}, over ?? {}) as RawDeploy;
}

function deepMerge(under: unknown, over: unknown): unknown {
  if (!isObject(under) || !isObject(over)) return over === undefined ? under : over;
  const out: Record<string, unknown> = { ...under };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(under[k], v);
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * `own` is the service's deploy block alone: Swarm refuses replicas on a
 * global service, but a replicas default from the cluster is simply unused.
 */
export function normaliseDeploy(ctx: Ctx, merged: RawDeploy, own: RawDeploy | undefined): DeploySpec {
  const mode = merged.mode ?? "replicated";
  if (mode === "global" && own?.replicas !== undefined) {
    ctx.problems.add(
      ctx.at(["replicas"]),
      "global-replicas",
      `${nameOf(ctx, ["replicas"])} cannot be used with mode global (one replica runs on every eligible host); remove it or use mode replicated`,
    );
  }
  const limits = resources(ctx, ["resources", "limits"], merged.resources?.limits);
  const reservations = resources(ctx, ["resources", "reservations"], merged.resources?.reservations);
  checkReservationsWithinLimits(ctx, limits, reservations);
  const placement = merged.placement ?? {};
  return {
    mode,
    replicas: mode === "global" ? 0 : (merged.replicas ?? 1),
    limits,
    reservations,
    placement: {
      constraints: constraints(ctx, placement.constraints ?? []),
      preferences: (placement.preferences ?? []).map((p) => ({ spread: p.spread })),
      maxReplicasPerNode: placement.max_replicas_per_node ?? 0,
    },
    updateConfig: updateConfig(ctx, ["update_config"], merged.update_config),
    rollbackConfig: updateConfig(ctx, ["rollback_config"], merged.rollback_config),
    restartPolicy: {
      condition: restartCondition(merged.restart_policy?.condition),
      delayMs: durationMs(
        ctx,
        ["restart_policy", "delay"],
        merged.restart_policy?.delay,
        SWARM_RESTART_DEFAULTS.delayMs,
      ),
      maxAttempts: merged.restart_policy?.max_attempts ?? SWARM_RESTART_DEFAULTS.maxAttempts,
      windowMs: durationMs(
        ctx,
        ["restart_policy", "window"],
        merged.restart_policy?.window,
        SWARM_RESTART_DEFAULTS.windowMs,
      ),
    },
  };
}

function resources(ctx: Ctx, path: readonly PathSegment[], raw: RawResourceSet | undefined): Resources {
  return {
    nanoCpus: nanoCpus(ctx, [...path, "cpus"], raw?.cpus),
    memoryBytes: sizeBytes(ctx, [...path, "memory"], raw?.memory),
  };
}

function checkReservationsWithinLimits(ctx: Ctx, limits: Resources, reservations: Resources): void {
  const pairs = [
    ["cpus", limits.nanoCpus, reservations.nanoCpus],
    ["memory", limits.memoryBytes, reservations.memoryBytes],
  ] as const;
  for (const [key, limit, reserved] of pairs) {
    if (limit > 0 && reserved > limit) {
      const path = ["resources", "reservations", key];
      ctx.problems.add(
        ctx.at(path),
        "reservation-above-limit",
        `${nameOf(ctx, path)} is more than ${nameOf(ctx, ["resources", "limits", key])}: a replica cannot be promised more than it may use`,
      );
    }
  }
}

function constraints(ctx: Ctx, raws: readonly string[]): Constraint[] {
  const out: Constraint[] = [];
  raws.forEach((raw, i) => {
    const c = parseConstraint(raw);
    if (c) out.push(c);
    else {
      ctx.problems.add(
        ctx.at(["placement", "constraints", i]),
        "bad-constraint",
        `placement constraint "${raw}" is not valid: write "node.hostname == h1" or "node.labels.KEY == value"`,
      );
    }
  });
  return out;
}

function updateConfig(
  ctx: Ctx,
  path: readonly PathSegment[],
  raw: RawUpdateConfig | undefined,
): UpdateConfig {
  const d = SWARM_UPDATE_DEFAULTS;
  return {
    parallelism: raw?.parallelism ?? d.parallelism,
    delayMs: durationMs(ctx, [...path, "delay"], raw?.delay, d.delayMs),
    order: raw?.order ?? d.order,
    failureAction: raw?.failure_action ?? d.failureAction,
    monitorMs: durationMs(ctx, [...path, "monitor"], raw?.monitor, d.monitorMs),
    maxFailureRatio: raw?.max_failure_ratio ?? d.maxFailureRatio,
  };
}

/**
 * docker compose reads deploy.restart_policy.condition as the engine's restart policy, so files
 * written for it say always, unless-stopped or no (compose's mapRestartPolicyCondition): the
 * first two are Swarm's any (gitfleet stops replicas only when the spec says so), no is none.
 */
function restartCondition(
  condition: NonNullable<RawDeploy["restart_policy"]>["condition"],
): "any" | "on-failure" | "none" {
  if (condition === undefined) return SWARM_RESTART_DEFAULTS.condition;
  if (condition === "always" || condition === "unless-stopped") return "any";
  if (condition === "no") return "none";
  return condition;
}
