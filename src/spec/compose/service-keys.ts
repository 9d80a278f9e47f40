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
