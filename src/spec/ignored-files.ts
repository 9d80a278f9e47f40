// YAML files gitfleet never reads, named in a warning: a misnamed folder
// (`service/web.yaml`) or a spec at the root would otherwise deploy nothing
// without a word, and the planner would remove what the file was meant to keep.

import type { RepoFiles } from "../model/spec.js";
import type { Problems } from "./errors.js";
import { CLUSTER_FILE, SERVICES_DIR } from "./files.js";

/** Folders that hold other tools' YAML, or the operator's own output: not worth a warning. */
const OTHERS = /^(?:\.|status\/|node_modules\/)|\/\./;

export function warnIgnoredFiles(repo: RepoFiles, problems: Problems): void {
  for (const raw of [...repo.keys()].sort()) {
    const path = raw.replace(/^(?:\.\/|\/)+/, "");
    if (!/\.ya?ml$/i.test(path) || path === CLUSTER_FILE || path.startsWith(SERVICES_DIR)) continue;
    if (OTHERS.test(path)) continue;
    problems.warn(
      { path, line: 1, col: 1 },
      "ignored-file",
      `this file is ignored: gitfleet reads only ${CLUSTER_FILE} and ${SERVICES_DIR}**/*.yaml` +
        `; ${suggestion(path)}`,
    );
  }
}

function suggestion(path: string): string {
  if (path === "cluster.yml") return "rename it to cluster.yaml";
  const name = path.slice(path.lastIndexOf("/") + 1);
  return `if it holds services, move it to ${SERVICES_DIR}${name.replace(/\.yml$/i, ".yaml")}`;
}
