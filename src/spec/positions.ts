// From a path inside a document's value (as ajv's instancePath or our own
// normalisers name it) back to the YAML node, and so to line:col. When the
// exact node does not exist (a missing key) the nearest ancestor is used.

import { isMap, isPair, isScalar, isSeq, type Node } from "yaml";
import type { SourceRef } from "../model/spec.js";
import { at, failedValueOffset, type YamlDoc } from "./parse.js";

export type PathSegment = string | number;

export interface LocateOptions {
  /** Point at the key of the last segment instead of its value (unknown keys, duplicates). */
  readonly key?: boolean;
}

export function locate(d: YamlDoc, path: readonly PathSegment[], options: LocateOptions = {}): SourceRef {
  // A value that could not be interpolated is reported by that error alone, at the value as
  // written: also what a check finds in it through an alias or a merge key.
  const failed = options.key ? undefined : failedValueOffset(d.doc, valueAt(d.value, path));
  if (failed !== undefined) return at(d.file, d.lines, failed);
  let node: unknown = d.doc.contents;
  let offset = rangeStart(node) ?? 0;
  const full = [...(d.base ?? []), ...path];
  for (let i = 0; i < full.length; i++) {
    const segment = full[i];
    const last = i === full.length - 1 && path.length > 0;
    let next: unknown;
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment),
      );
      if (pair === undefined) break;
      if (last && options.key) {
        offset = rangeStart(pair.key) ?? offset;
        break;
      }
      // `key:` with nothing after it has no value node: point at the key.
      next = pair.value ?? pair.key;
    } else if (isSeq(node)) {
      next = node.items[Number(segment)];
    }
    const start = rangeStart(next);
    if (start === undefined) break;
    node = next;
    offset = start;
  }
  return at(d.file, d.lines, offset);
}

/** Start of the document's content: where a whole-document problem is reported. */
export function docStart(d: YamlDoc): SourceRef {
  return locate(d, []);
}

export function pointerToPath(pointer: string): PathSegment[] {
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replaceAll("~1", "/").replaceAll("~0", "~"));
}

/** The plain value at `path` below `value`, if there is one. */
function valueAt(value: unknown, path: readonly PathSegment[]): unknown {
  let v = value;
  for (const segment of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[String(segment)];
  }
  return v;
}

function rangeStart(node: unknown): number | undefined {
  if (node === null || typeof node !== "object" || !("range" in node)) return undefined;
  const range = (node as Node).range;
  return range ? range[0] : undefined;
}
