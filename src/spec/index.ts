// Public entry of the spec layer: repository files in, validated and
// normalised desired state (or every problem found) out. Pure: no
// filesystem, network or clock; the same code reads a directory, a Git tree
// or a test fixture.

import type { LoadResult, RepoFiles } from "../model/spec.js";
import { DEFAULT_SPEC_LIMITS } from "./limits.js";
import type { SpecLoadCache } from "./load-cache.js";
import { loadRepo, type LoadOptions } from "./load.js";

/** `options.ceiling`: the operator's ceiling (default: the baseline profile); `options.limits`: sizes and depths. */
export function loadSpec(files: RepoFiles, options: LoadOptions = {}): LoadResult {
  return loadRepo(files, options);
}

/**
 * The same load, reusing what `cache` kept from earlier loads: only files whose blob id
 * (`blobIds`, path → id; else their text) changed are parsed again. Same result as loadSpec.
 */
export function loadSpecCached(
  files: RepoFiles,
  options: LoadOptions,
  cache: SpecLoadCache,
  blobIds?: ReadonlyMap<string, string>,
): LoadResult {
  return loadRepo(files, options, cache, blobIds);
}

export type { LoadOptions } from "./load.js";
export { SpecLoadCache } from "./load-cache.js";

export {
  formatSpecError,
  specPlace,
  formatSpecWarning,
  sortErrors,
  SPEC_ERROR_CODES,
  SPEC_WARNING_CODES,
  type SpecErrorCode,
  type SpecWarningCode,
} from "./errors.js";
export {
  budgetFiles,
  CLUSTER_FILE,
  DEFAULT_SPEC_LIMITS,
  MAX_DURATION_MS,
  MAX_TOTAL_REPLICAS,
  roleOf,
  SERVICES_DIR,
  STACKS_DIR,
  COMPOSE_FILE_NAMES,
  type SizeVerdict,
  type SpecLimits,
} from "./limits.js";
/** The default per-file limit (the operator configuration may change it). */
export const MAX_FILE_BYTES = DEFAULT_SPEC_LIMITS.maxFileBytes;
export { parseConstraint, satisfies, satisfiesAll } from "./constraints.js";
export { parseCpus, parseDuration, parseSize, type Parsed } from "./units.js";
export { canonicalJson, specHash } from "./spec-hash.js";
export { SWARM_RESTART_DEFAULTS, SWARM_UPDATE_DEFAULTS } from "./normalise-deploy.js";
export {
  DEFAULT_EDGE_IMAGE,
  DEFAULT_HOST_DOWN_AFTER_MS,
  DEFAULT_HOST_STABLE_AFTER_MS,
  DEFAULT_MAX_MOVES_PER_MINUTE,
  DEFAULT_MAX_REMOVAL_SHARE,
} from "./normalise-cluster.js";
export { clusterSchema, serviceSchema } from "./schemas.js";
