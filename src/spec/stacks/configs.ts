// A stack's top-level `configs:` and a service's `configs:`, with Compose's
// meaning: each config is a file placed in the service's containers (at
// `/<name>` unless `target:` says where), its content taken from a file of
// the stack's folder (`file:`, read from the same commit) or written inline
// (`content:`). The content is part of the spec, so a change replaces the
// replicas like any other change. Configs from outside the repository
// (`external:`, `environment:`) have no place in a commit: refused.

import { posix } from "node:path";
import type { RepoFile, ServiceFile } from "../../model/spec.js";
import type { Problems } from "../errors.js";
import { isUnread } from "../files.js";
import type { YamlDoc } from "../parse.js";
import { didYouMean } from "../suggest.js";
import { STACKS_DIR } from "../limits.js";
import {
  forEachServiceEntry,
  isRecord,
  numeric,
  octalMode,
  topLevelEntries,
  unknownTopKeys,
} from "./service-files.js";

interface StackConfig {
  readonly content: Uint8Array;
}

const TOP_KEYS = ["file", "content", "external", "environment", "name", "labels", "template_driver"];

export function stackConfigs(
  doc: YamlDoc,
  stack: string,
  data: ReadonlyMap<string, RepoFile>,
  problems: Problems,
): Map<string, StackConfig> {
  const out = new Map<string, StackConfig>();
  for (const { key, value, at } of topLevelEntries(doc, "configs", problems)) {
    if (!isRecord(value)) {
      problems.add(at(), "schema", `configs.${key} must be a mapping with file: or content:`);
      continue;
    }
    unknownTopKeys("configs", key, value, TOP_KEYS, at, problems);
    if (value["external"] !== undefined || value["environment"] !== undefined) {
      const k = value["external"] !== undefined ? "external" : "environment";
      problems.add(
        at(k),
        "unsupported-config",
        `configs.${key}.${k}: a config comes from the repository: write it in a file of the stack's folder (file:) or inline (content:)`,
      );
      continue;
    }
    if (typeof value["content"] === "string" && value["file"] === undefined) {
      out.set(key, { content: new TextEncoder().encode(value["content"]) });
      continue;
    }
    const file = value["file"];
    if (typeof file !== "string" || value["content"] !== undefined) {
      problems.add(
        at(),
        "schema",
        `configs.${key} needs exactly one of file: (a path in the stack's folder) or content:`,
      );
      continue;
    }
    const content = configFile(stack, file, data);
    if (typeof content === "string") {
      problems.add(at("file"), "unknown-config", `configs.${key}.file: ${content}`);
      continue;
    }
    out.set(key, { content });
  }
  return out;
}

/** The bytes of `file` (relative to the stack's folder), or why it cannot be used. */
function configFile(stack: string, file: string, data: ReadonlyMap<string, RepoFile>): Uint8Array | string {
  const dir = `${STACKS_DIR}${stack}`;
  const path = posix.normalize(posix.join(dir, file));
  if (posix.isAbsolute(file) || !path.startsWith(`${dir}/`))
    return `"${file}" is outside the stack's folder ${dir}/: configs are read from the commit, from that folder only`;
  const content = data.get(path);
  if (content === undefined) return `"${file}" is not in the commit (${path})`;
  if (isUnread(content)) {
    if (content.unread === "symlink")
      return `"${file}" is a symbolic link; gitfleet never follows links: commit the file itself`;
    return `"${file}" is too large to be read within the commit's limits`;
  }
  return typeof content === "string" ? new TextEncoder().encode(content) : content;
}

/** A service's `configs:` as files in its containers. */
export function serviceConfigs(
  doc: YamlDoc,
  raw: unknown,
  configs: ReadonlyMap<string, StackConfig>,
  problems: Problems,
): ServiceFile[] {
  const out: ServiceFile[] = [];
  forEachServiceEntry(doc, "configs", raw, problems, (e, i, at, entry) => {
    const source = e["source"];
    const config = typeof source === "string" ? configs.get(source) : undefined;
    if (typeof source !== "string" || config === undefined) {
      const close = typeof source === "string" ? didYouMean(source, [...configs.keys()]) : undefined;
      problems.add(
        at(),
        "unknown-config",
        `config ${JSON.stringify(source ?? entry)} is not declared in this Compose file's top-level configs` +
          (close !== undefined ? `: did you mean "${close}"?` : ""),
      );
      return;
    }
    const target = typeof e["target"] === "string" ? e["target"] : `/${source}`;
    if (!posix.isAbsolute(target) || posix.normalize(target) === "/" || target.length > 100) {
      problems.add(
        at("target"),
        "schema",
        `configs[${i}].target must be an absolute file path in the container, at most 100 characters`,
      );
      return;
    }
    out.push({
      target: posix.normalize(target),
      contentBase64: Buffer.from(config.content).toString("base64"),
      mode: octalMode(e["mode"]),
      uid: numeric(e["uid"]),
      gid: numeric(e["gid"]),
    });
  });
  return out;
}
