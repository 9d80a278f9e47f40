// A stack's top-level `secrets:` and a service's `secrets:`, with Compose's
// meaning where it holds in a cluster: each secret is a file in the service's
// containers (/run/secrets/<name> unless `target:` says), its value taken from
// the operator's secret store (`external: true`, the store's name being
// `name:` or the key), never from the repository: a `file:` or `environment:`
// source would put a credential in Git or read it where gitfleet runs, so it
// is refused, saying where the value goes instead.

import { posix } from "node:path";
import type { SecretFile } from "../../model/spec.js";
import type { Problems } from "../errors.js";
import type { YamlDoc } from "../parse.js";
import { didYouMean } from "../suggest.js";
import {
  forEachServiceEntry,
  isRecord,
  numeric,
  octalMode,
  topLevelEntries,
  unknownTopKeys,
} from "./service-files.js";

const TOP_KEYS = [
  "external",
  "name",
  "file",
  "environment",
  "labels",
  "driver",
  "driver_opts",
  "template_driver",
];

/**
 * The stack's secrets: key in the Compose file → the secret's name in the operator's store, or
 * undefined for one refused at its declaration (services naming it are not told again).
 */
export function stackSecrets(doc: YamlDoc, problems: Problems): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const { key, value, at } of topLevelEntries(doc, "secrets", problems)) {
    const entry = isRecord(value) ? value : {};
    unknownTopKeys("secrets", key, entry, TOP_KEYS, at, problems);
    const source = ["file", "environment"].find((k) => entry[k] !== undefined);
    if (source !== undefined) {
      problems.add(
        at(source),
        "unsupported-config",
        `secrets.${key}.${source}: a secret's value never comes from the repository or the machine reading it: put it in the operator's secret store (its env/ folder) and write external: true here (name: the store's name, if not ${key})`,
      );
      out.set(key, undefined);
      continue;
    }
    const external = entry["external"] === true || isRecord(entry["external"]);
    if (!external) {
      problems.add(
        at(),
        "unsupported-config",
        `secrets.${key} needs external: true: its value comes from the operator's secret store (its env/ folder), under name: or "${key}"`,
      );
      out.set(key, undefined);
      continue;
    }
    const name = entry["name"];
    if (name !== undefined && typeof name !== "string") {
      problems.add(
        at("name"),
        "schema",
        `secrets.${key}.name must be the secret's name in the operator's store`,
      );
      out.set(key, undefined);
      continue;
    }
    out.set(key, name ?? key);
  }
  return out;
}

/** A service's `secrets:` as files in its containers. */
export function serviceSecrets(
  doc: YamlDoc,
  raw: unknown,
  secrets: ReadonlyMap<string, string | undefined>,
  problems: Problems,
): SecretFile[] {
  const out: SecretFile[] = [];
  forEachServiceEntry(doc, "secrets", raw, problems, (e, i, at, entry) => {
    const source = e["source"];
    const secret = typeof source === "string" ? secrets.get(source) : undefined;
    // Declared but refused: reported at its declaration, not again here.
    if (typeof source === "string" && secrets.has(source) && secret === undefined) return;
    if (typeof source !== "string" || secret === undefined) {
      const close = typeof source === "string" ? didYouMean(source, [...secrets.keys()]) : undefined;
      problems.add(
        at(),
        "unknown-config",
        `secret ${JSON.stringify(source ?? entry)} is not declared in this Compose file's top-level secrets (with external: true)` +
          (close !== undefined ? `: did you mean "${close}"?` : ""),
      );
      return;
    }
    const written = typeof e["target"] === "string" ? e["target"] : source;
    const target = posix.isAbsolute(written) ? posix.normalize(written) : posix.join("/run/secrets", written);
    if (target === "/" || target.length > 100 || target.includes("\0")) {
      problems.add(
        at("target"),
        "schema",
        `secrets[${i}].target must be a file path in the container, at most 100 characters`,
      );
      return;
    }
    out.push({ target, secret, mode: octalMode(e["mode"]), uid: numeric(e["uid"]), gid: numeric(e["gid"]) });
  });
  return out;
}
