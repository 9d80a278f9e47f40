// Settings a service writes that the rest of its spec makes meaningless: the
// commit is applied, but the author surely meant something else, so each is
// a warning at the key, saying what would make it count.

import type { Problems } from "./errors.js";
import { hasPath } from "./context.js";
import type { LoadedService } from "./normalise-service.js";
import { locate } from "./positions.js";

export function checkNoEffect(services: readonly LoadedService[], problems: Problems): void {
  for (const s of services) {
    const raw = s.doc.value;
    const { deploy } = s.spec;
    if (hasPath(raw, ["deploy", "rollback_config"]) && deploy.updateConfig.failureAction !== "rollback") {
      problems.warn(
        locate(s.doc, ["deploy", "rollback_config"], { key: true }),
        "no-effect",
        `deploy.rollback_config takes no effect: update_config.failure_action is ${deploy.updateConfig.failureAction}; set failure_action: rollback, or remove rollback_config`,
      );
    }
    if (deploy.mode === "global") {
      for (const key of ["max_replicas_per_node", "preferences"]) {
        if (!hasPath(raw, ["deploy", "placement", key])) continue;
        problems.warn(
          locate(s.doc, ["deploy", "placement", key], { key: true }),
          "no-effect",
          `deploy.placement.${key} takes no effect with mode: global (one replica on every eligible host); remove it, or use mode: replicated`,
        );
      }
    }
    if (s.spec.healthcheck?.test[0] === "NONE") {
      for (const key of ["test", "interval", "timeout", "retries", "start_period"]) {
        if (!hasPath(raw, ["healthcheck", key])) continue;
        problems.warn(
          locate(s.doc, ["healthcheck", key], { key: true }),
          "no-effect",
          `healthcheck.${key} takes no effect: healthcheck.disable is true; remove one of them`,
        );
      }
    }
  }
}
