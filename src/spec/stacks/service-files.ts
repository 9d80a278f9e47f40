// What a stack's `secrets:` and `configs:` share: both declare entries at the
// top level (a mapping of names) and place them as files in a service's
// containers (a list of names or {source, target, uid, gid, mode} entries).

import type { Problems } from "../errors.js";
import type { YamlDoc } from "../parse.js";
import { locate } from "../positions.js";
import { didYouMean } from "../suggest.js";

type Kind = "secrets" | "configs";
type At = (...path: string[]) => ReturnType<typeof locate>;

const SERVICE_KEYS = ["source", "target", "uid", "gid", "mode"];

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The top-level `secrets:`/`configs:` entries, each with where to report on it; none (and a
 * problem) when the key is not a mapping.
 */
export function topLevelEntries(
  doc: YamlDoc,
  kind: Kind,
  problems: Problems,
): { key: string; value: unknown; at: At }[] {
  const raw = isRecord(doc.value) ? doc.value[kind] : undefined;
  if (raw === undefined || raw === null) return [];
  if (!isRecord(raw)) {
    const noun = kind === "secrets" ? "secret" : "config";
    problems.add(locate(doc, [kind]), "schema", `${kind} must be a mapping of ${noun} names`);
    return [];
  }
  return Object.entries(raw).map(([key, value]) => ({
    key,
    value,
    at: (...path: string[]) => locate(doc, [kind, key, ...path], { key: path.length > 0 }),
  }));
}

/** Reports the keys of a top-level entry that are neither in `known` nor extensions (x-). */
export function unknownTopKeys(
  kind: Kind,
  key: string,
  entry: Record<string, unknown>,
  known: readonly string[],
  at: At,
  problems: Problems,
): void {
  for (const k of Object.keys(entry).filter((k) => !known.includes(k) && !k.startsWith("x-"))) {
    const close = didYouMean(k, known);
    problems.add(
      at(k),
      "unknown-key",
      `${kind}.${key}: unknown key "${k}"` + (close ? `: did you mean "${close}"?` : ""),
    );
  }
}

/**
 * Calls `each` on a service's `secrets:`/`configs:` entries in order, a bare name read as
 * {source: name}, after reporting the entry's unknown keys; none (and a problem) when the key is not
 * a list.
 */
export function forEachServiceEntry(
  doc: YamlDoc,
  kind: Kind,
  raw: unknown,
  problems: Problems,
  each: (e: Record<string, unknown>, i: number, at: At, entry: unknown) => void,
): void {
  if (raw === undefined || raw === null) return;
  if (!Array.isArray(raw)) {
    const noun = kind === "secrets" ? "secret" : "config";
    problems.add(
      locate(doc, [kind]),
      "schema",
      `${kind} must be a list of ${noun} names or {source, target} entries`,
    );
    return;
  }
  raw.forEach((entry: unknown, i) => {
    const at = (...path: string[]) => locate(doc, [kind, i, ...path], { key: path.length > 0 });
    const e: Record<string, unknown> =
      typeof entry === "string" ? { source: entry } : isRecord(entry) ? entry : {};
    for (const k of Object.keys(e).filter((k) => !SERVICE_KEYS.includes(k)))
      problems.add(
        at(k),
        "unknown-key",
        `${kind}[${i}]: unknown key "${k}"; allowed: ${SERVICE_KEYS.join(", ")}`,
      );
    each(e, i, at, entry);
  });
}

/**
 * Compose writes modes as octal (0440, or 440 once YAML has read it as a number); Swarm's default
 * is 0444.
 */
export function octalMode(v: unknown): number {
  if (typeof v === "string" && /^0?[0-7]{1,4}$/.test(v)) return parseInt(v, 8);
  if (typeof v === "number" && /^[0-7]{1,4}$/.test(String(v))) return parseInt(String(v), 8);
  return 0o444;
}

/** A uid or gid: a whole number below 2^21, else 0. */
export function numeric(v: unknown): number {
  const n = typeof v === "number" ? v : typeof v === "string" ? Number(v) : 0;
  return Number.isInteger(n) && n >= 0 && n < 2 ** 21 ? n : 0;
}
