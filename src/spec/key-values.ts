// Compose's two spellings of string maps (environment, labels): a mapping, or
// a list of "KEY=value". Both become entries that remember where they were
// written, so later checks (reserved labels, conflicts) can point at them.

import { nameOf, type Ctx } from "./context.js";
import type { PathSegment } from "./positions.js";
import type { EnvValue } from "./raw.js";

export interface Entry {
  readonly key: string;
  readonly value: string;
  /** Path of the entry: the key in map form, the list item in list form. */
  readonly path: readonly PathSegment[];
  readonly isKey: boolean;
  /** Written without a value (`KEY` in a list, `KEY:` in a map): Compose takes it from the shell. */
  readonly bare?: true;
}

type KeyValueInput = Readonly<Record<string, EnvValue>> | readonly string[];

export function keyValueEntries(
  ctx: Ctx,
  path: readonly PathSegment[],
  raw: KeyValueInput | undefined,
): Entry[] {
  if (raw === undefined) return [];
  if (!isList(raw)) {
    return Object.entries(raw).map(([key, value]) => ({
      key,
      value: value === null ? "" : String(value),
      path: [...path, key],
      isKey: true,
      ...(value === null && { bare: true as const }),
    }));
  }
  const entries: Entry[] = [];
  const seen = new Set<string>();
  raw.forEach((item, i) => {
    const eq = item.indexOf("=");
    const key = eq < 0 ? item : item.slice(0, eq);
    const value = eq < 0 ? "" : item.slice(eq + 1);
    const itemPath = [...path, i];
    if (seen.has(key)) {
      ctx.problems.add(ctx.at(itemPath), "duplicate-key", `"${key}" is set twice in ${nameOf(ctx, path)}`);
    }
    seen.add(key);
    entries.push({ key, value, path: itemPath, isKey: false, ...(eq < 0 && { bare: true as const }) });
  });
  return entries;
}

export function toRecord(entries: readonly Entry[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of entries) out[e.key] = e.value;
  return out;
}

function isList(raw: KeyValueInput): raw is readonly string[] {
  return Array.isArray(raw);
}
