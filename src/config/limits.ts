// The `limits:` section of the operator configuration (schema-valid by now):
// how much of a commit the operator reads, and for how long it may parse it.
// Anything left out keeps the default. Sizes and durations are parsed here; a
// bad one is reported at its pointer through `problem`.

import { DEFAULT_SPEC_LIMITS, parseDuration, parseSize, type SpecLimits } from "../spec/index.js";
import type { Problem } from "./problem.js";

/** Wall-clock budget of loading one commit's specs. */
export const DEFAULT_LOAD_TIMEOUT_MS = 20_000;

export interface LimitsConfig {
  readonly spec: SpecLimits;
  readonly loadTimeoutMs: number;
}

export const DEFAULT_LIMITS: LimitsConfig = {
  spec: DEFAULT_SPEC_LIMITS,
  loadTimeoutMs: DEFAULT_LOAD_TIMEOUT_MS,
};

type Raw = Record<string, unknown>;

export function parseLimits(raw: unknown, problem: Problem): LimitsConfig {
  const l = (typeof raw === "object" && raw !== null && !Array.isArray(raw) ? raw : {}) as Raw;
  const size = (key: string, fallback: number): number => {
    const v = l[key];
    if (typeof v !== "string" && typeof v !== "number") return fallback;
    const r = parseSize(v);
    if (!r.ok) problem(`/limits/${key}`, "config-bad-size", r.reason);
    else if (r.value < 1024) problem(`/limits/${key}`, "config-bad-size", "must be at least 1K");
    return r.ok && r.value >= 1024 ? r.value : fallback;
  };
  const timeout = (): number => {
    const v = l["load_timeout"];
    if (typeof v !== "string") return DEFAULT_LOAD_TIMEOUT_MS;
    const r = parseDuration(v);
    if (!r.ok) problem("/limits/load_timeout", "config-bad-duration", r.reason);
    else if (r.value < 100 || r.value > 600_000)
      problem("/limits/load_timeout", "config-bad-duration", "must be between 100ms and 10m");
    return r.ok && r.value >= 100 && r.value <= 600_000 ? r.value : DEFAULT_LOAD_TIMEOUT_MS;
  };
  const maxFileBytes = size("max_file_size", DEFAULT_SPEC_LIMITS.maxFileBytes);
  const maxCommitBytes = size("max_commit_size", DEFAULT_SPEC_LIMITS.maxCommitBytes);
  if (maxCommitBytes < maxFileBytes)
    problem("/limits/max_commit_size", "config-conflict", "must be at least max_file_size");
  return { spec: { ...DEFAULT_SPEC_LIMITS, maxFileBytes, maxCommitBytes }, loadTimeoutMs: timeout() };
}
