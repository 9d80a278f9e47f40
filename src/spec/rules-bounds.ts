// Upper bounds across documents. Each service's replicas already has a schema
// maximum; this bounds their sum (global services count once per host), so a
// file of many services cannot hand the scheduler more replicas than it is
// measured to place. The operator's ceiling may set tighter caps.

import type { Problems } from "./errors.js";
import { MAX_TOTAL_REPLICAS } from "./limits.js";
import type { LoadedService } from "./normalise-service.js";

export function checkTotalReplicas(
  services: readonly LoadedService[],
  hostCount: number,
  problems: Problems,
): void {
  let total = 0;
  for (const s of services) {
    const { mode, replicas } = s.spec.deploy;
    total += mode === "global" ? hostCount : replicas;
    if (total <= MAX_TOTAL_REPLICAS) continue;
    problems.add(
      s.deployAt(mode === "global" ? ["mode"] : ["replicas"]),
      "too-many-replicas",
      `with service "${s.spec.name}" the repository asks for ${total} replicas in all; at most ${MAX_TOTAL_REPLICAS} are allowed`,
    );
    return;
  }
}
