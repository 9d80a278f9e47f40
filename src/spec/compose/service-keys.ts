// Applies the key table (keys.ts) to one service document before its schema
// sees it: an ignored key is a warning at the key and is dropped; a refused
// key is an error at the key saying what to do, and is dropped too (so the
// rest of the document is still checked). Keys that are neither stay for the
// schema, which knows them (or reports an unknown key with a did-you-mean).

import type { Problems } from "../errors.js";
import type { YamlDoc } from "../parse.js";
import { locate } from "../positions.js";
import { SERVICE_KEYS } from "./keys.js";

// eslint-disable-next-line max-lines-per-function -- one loop over a service's keys applying each key's fate (kept, mapped, ignored, refused)
export function applyKeyFates(d: YamlDoc, value: unknown, inStack: boolean, problems: Problems): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const key of Object.keys(out)) {
    const entry = SERVICE_KEYS[key];
    if (entry === undefined) continue;
    const at = locate(d, [key], { key: true });
    if (key === "build") {
      if (out["image"] !== undefined) {
        problems.warn(
          at,
          "ignored-key",
          `build is ignored: the image named in image: is deployed (gitfleet does not build)`,
        );
      } else {
        problems.add(at, "unsupported-key", `build without image: ${entry.text}`);
      }
      delete out[key];
      continue;
    }
    if (key === "secrets" && !inStack) {
      problems.add(
        at,
        "unsupported-key",
        "secrets is not supported in services/ documents (they have no top-level secrets: to declare them): give the value as an environment variable with env_secrets, from the operator's secret store; a stack's Compose file places store secrets as files",
      );
      delete out[key];
      continue;
    }
    if (key === "profiles" && !inStack) {
      problems.warn(
        at,
        "ignored-key",
        "profiles is ignored in services/ documents: every service there is deployed (leave a service out of the repository to not deploy it; stacks/ read COMPOSE_PROFILES as docker compose does)",
      );
      delete out[key];
      continue;
    }
    if (key === "networks" && !inStack) {
      problems.warn(
        at,
        "ignored-key",
        "networks is ignored in services/ documents: every service is on the cluster network and reached by its name (stacks/ keep their networks)",
      );
      delete out[key];
      continue;
    }
    if (key === "network_mode" && typeof out[key] === "string" && out[key] !== "host") {
      problems.add(at, "unsupported-config", networkModeRefusal(out[key], inStack));
      delete out[key];
      continue;
    }
    if (entry.fate === "ignored") {
      problems.warn(at, "ignored-key", `${key} is ignored: ${entry.text}`);
      delete out[key];
    } else if (entry.fate === "refused") {
      problems.add(at, "unsupported-key", `${key} is not supported: ${entry.text}`);
      delete out[key];
    }
  }
  return out;
}

/**
 * Compose's other network modes: `service:NAME` and `container:NAME` share another container's
 * network namespace, which needs both on one host (gitfleet places each service's replicas on
 * their own); `none` and `bridge` (Docker's default bridge) leave the network gitfleet finds
 * services on. Each is refused saying what to write instead.
 */
function networkModeRefusal(mode: string, inStack: boolean): string {
  const joins = inStack ? "the stack's networks" : "the cluster network";
  const shared = /^(service|container):(.+)$/.exec(mode);
  if (shared !== null)
    return (
      `network_mode: ${mode} is not supported: it shares the network namespace of ${shared[1] === "service" ? "another service's container" : "another container"}, ` +
      `which must then run on the same host, and gitfleet places each service's replicas on their own: remove network_mode, ` +
      `so the service joins ${joins} and reaches ${shared[2] ?? "it"} by its name (publish or expose the ports it listens on there)`
    );
  return `network_mode: ${mode} is not supported (only host, within the operator's ceiling): remove network_mode, so the service joins ${joins}`;
}
