// `heap_target:` of the operator configuration: the JS heap in use above which
// the operator asks V8 for a full collection (see adapters/system/heap-target.ts),
// a size ("96M"); 0 turns it off. Schema-valid by now; a bad size is reported
// at its pointer through `problem`.

import { parseSize } from "../spec/index.js";
import type { Problem } from "./problem.js";

/**
 * Measured by the fleet-scale bench (bench/RESULTS.md): at 1,000 hosts 80–95 MiB stay alive during
 * a deploy of 10,000 replicas (collections are then spaced by that, see heap-target.ts), and
 * what the operator keeps after it is about 70 MiB; at 300 hosts less. 160M let the heap in use
 * reach 160 MiB of mostly garbage at 300 hosts and above; 96M keeps a 1,000-host deploy under
 * 300 MiB of resident set for about 15 % more of its CPU in full collections. A larger fleet that
 * keeps more is collected at the pace of what it keeps.
 */
export const DEFAULT_HEAP_TARGET_BYTES = 96 * 1024 * 1024;

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
