// `heap_target:` of the operator configuration: the JS heap in use above which
// the operator asks V8 for a full collection (see adapters/system/heap-target.ts),
// a size ("160M"); 0 turns it off. Schema-valid by now; a bad size is reported
// at its pointer through `problem`.

import { parseSize } from "../spec/index.js";
import type { Problem } from "./problem.js";

/**
 * Measured by the fleet-scale bench (bench/RESULTS.md): with it, a deploy of 10,000 replicas
 * on 1,000 hosts peaks below 300 MiB of resident set; what the operator keeps alive after such
 * a deploy is about 70 MiB of heap. A larger fleet that keeps more is collected at V8's pace.
 */
export const DEFAULT_HEAP_TARGET_BYTES = 160 * 1024 * 1024;

/** The configured target (undefined: not configured, the default applies). */
export function parseHeapTarget(raw: unknown, problem: Problem): number | undefined {
  if (typeof raw !== "string") return undefined;
  if (/^0+ ?[a-zA-Z]*$/.test(raw)) return 0;
  const r = parseSize(raw);
  if (!r.ok) problem("/heap_target", "config-bad-size", r.reason);
  else if (r.value < 32 * 1024 * 1024)
    problem("/heap_target", "config-bad-size", "must be 0 (off) or at least 32M");
  return r.ok && r.value >= 32 * 1024 * 1024 ? r.value : undefined;
}
