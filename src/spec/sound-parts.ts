// A document that fails its schema still has parts that pass: with those
// parts alone, it goes on through normalisation and the rules that span
// documents (depends_on, ports, policy, ceiling, placement), so one run reports
// every problem instead of revealing the next ones only once these are fixed.
// A failing part is cut at the key that holds it; inside a list the whole list
// goes, so the indexes that positions are found by stay those of the file.

import type { ErrorObject } from "ajv";
import { pointerToPath } from "./positions.js";
import { validateAgainstSchema, type SpecKind } from "./schemas.js";

/** The value without its failing parts, when that passes the schema; undefined when nothing sound is left. */
export function soundPart(kind: SpecKind, value: unknown, errors: readonly ErrorObject[]): unknown {
  const copy = structuredClone(value) as unknown;
  for (const e of errors) {
    const path: string[] = pointerToPath(e.instancePath).map(String);
    if (e.keyword === "additionalProperties") {
      path.push(String((e.params as { additionalProperty?: unknown }).additionalProperty));
    }
    const cut = cutPoint(copy, path);
    if (cut === undefined) return undefined;
    delete cut.parent[cut.key];
  }
  return validateAgainstSchema(kind, copy).length === 0 ? copy : undefined;
}

/** The object and key to delete: the path's leaf, or the key of the first list on the way. */
function cutPoint(
  root: unknown,
  path: readonly string[],
): { parent: Record<string, unknown>; key: string } | undefined {
  let node = root;
  for (let i = 0; i < path.length; i++) {
    const key = path[i] ?? "";
    if (!isRecord(node)) return undefined;
    const next = node[key];
    if (i === path.length - 1 || Array.isArray(next)) return key in node ? { parent: node, key } : undefined;
    node = next;
  }
  return undefined; // the document itself fails (a missing name or image): nothing to cut
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
