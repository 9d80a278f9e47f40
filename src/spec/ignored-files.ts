// YAML files gitfleet never reads, named in a warning: a misnamed folder
// (`service/web.yaml`, `stack/shop/compose.yaml`) or a spec at the root would
// otherwise deploy nothing without a word, and the planner would remove what
// the file was meant to keep. A stack's folder holds data besides its Compose
// file (configs, env files): those are not warned about, but a folder under
// stacks/ without a Compose file is, since nothing in it deploys.

import type { RepoFiles } from "../model/spec.js";
import type { Problems } from "./errors.js";
import { CLUSTER_FILE, SERVICES_DIR, STACKS_DIR } from "./files.js";
import { COMPOSE_FILE_NAMES, roleOf } from "./limits.js";

/** Folders that hold other tools' YAML, or the operator's own output: not worth a warning. */
const OTHERS = /^(?:\.|status\/|node_modules\/)|\/\./;

const READ = `${CLUSTER_FILE}, ${SERVICES_DIR}**/*.yaml and ${STACKS_DIR}<stack>/compose.yaml`;

export function warnIgnoredFiles(repo: RepoFiles, problems: Problems): void {
  const paths = [...repo.keys()].map((raw) => raw.replace(/^(?:\.\/|\/)+/, "")).sort();
  const stacks = new Set(paths.filter((p) => roleOf(p) === "stack").map((p) => p.split("/")[1]));
  const warnedStacks = new Set<string>();
  for (const path of paths) {
    if (path.startsWith(STACKS_DIR) && roleOf(path) === "stack-file") {
      const stack = path.split("/")[1] ?? "";
      if (stacks.has(stack) || warnedStacks.has(stack)) continue;
      warnedStacks.add(stack);
      problems.warn(
        { path: `${STACKS_DIR}${stack}`, line: 0, col: 0 },
        "ignored-file",
        `this stack folder has no Compose file, so nothing in it is deployed; name it ${COMPOSE_FILE_NAMES.join(", ")}`,
      );
      continue;
    }
    if (!/\.ya?ml$/i.test(path) || path === CLUSTER_FILE || path.startsWith(SERVICES_DIR)) continue;
    if (roleOf(path) === "stack" || OTHERS.test(path)) continue;
    problems.warn(
      { path, line: 1, col: 1 },
      "ignored-file",
      `this file is ignored: gitfleet reads only ${READ}; ${suggestion(path)}`,
    );
  }
}

function suggestion(path: string): string {
  if (path === "cluster.yml") return "rename it to cluster.yaml";
  const name = path.slice(path.lastIndexOf("/") + 1);
  if (/^(?:docker-)?compose\.ya?ml$/i.test(name)) {
    const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
    const stack = dir.slice(dir.lastIndexOf("/") + 1) || "<stack>";
    return `if it is a Compose file, move it to ${STACKS_DIR}${stack}/${name}`;
  }
  return `if it holds services, move it to ${SERVICES_DIR}${name.replace(/\.yml$/i, ".yaml")} (or a Compose file to ${STACKS_DIR}<stack>/compose.yaml)`;
}
