// Checks on a parsed YAML document before anything turns it into values:
// nesting depth (the converters recurse), keys set twice in one mapping (in
// linear time: yaml's own uniqueKeys compares every key with every other, a
// minute for 80,000 keys), and integers beyond what a double holds exactly
// (9007199254740993 would silently become ...992). One walk, iterative, so a
// deep document cannot exhaust the stack here either.

import { isMap, isPair, isScalar, isSeq, type Document, type Scalar } from "yaml";
import type { SourceRef } from "../model/spec.js";

export interface GuardProblem {
  readonly offset: number;
  readonly code: "nesting-too-deep" | "duplicate-key" | "number-too-large";
  readonly message: string;
}

export interface GuardOptions {
  readonly maxDepth: number;
  /** With merge keys on, `<<` may repeat. */
  readonly merge: boolean;
  /** Where an offset is, for "first set at line L, column C" hints. */
  readonly posOf: (offset: number) => { readonly line: SourceRef["line"]; readonly col: SourceRef["col"] };
}

/** Problems found; a document with a depth problem is not walked further (and must not be converted). */
export function guardDocument(doc: Document.Parsed, options: GuardOptions): GuardProblem[] {
  const problems: GuardProblem[] = [];
  const stack: [node: unknown, depth: number][] = [[doc.contents, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (isMap(node) || isSeq(node)) {
      if (depth > options.maxDepth) {
        problems.push({
          offset: node.range?.[0] ?? 0,
          code: "nesting-too-deep",
          message: `mappings and lists are nested more than ${options.maxDepth} levels deep here; no spec needs that`,
        });
        return problems;
      }
      if (isMap(node)) checkKeys(node.items, options, problems);
      for (const item of node.items) {
        if (isPair(item)) {
          stack.push([item.key, depth + 1]);
          stack.push([item.value, depth + 1]);
        } else stack.push([item, depth + 1]);
      }
    } else if (isScalar(node)) {
      checkNumber(node, problems);
    }
  }
  return problems;
}

function checkKeys(items: readonly unknown[], options: GuardOptions, problems: GuardProblem[]): void {
  const first = new Map<string, number>();
  for (const item of items) {
    if (!isPair(item) || !isScalar(item.key)) continue; // complex keys: the schema refuses them
    // yaml marks a merge key with a symbol: each `<<` merges another mapping.
    if (options.merge && typeof item.key.value === "symbol") continue;
    const key = String(item.key.value);
    const offset = item.key.range?.[0] ?? 0;
    const seen = first.get(key);
    if (seen === undefined) {
      first.set(key, offset);
      continue;
    }
    const at = options.posOf(seen);
    problems.push({
      offset,
      code: "duplicate-key",
      message: `key ${JSON.stringify(key)} is set twice in this mapping (first at line ${at.line}, column ${at.col})`,
    });
  }
}

function checkNumber(node: Scalar, problems: GuardProblem[]): void {
  const v = node.value;
  if (typeof v === "bigint" || (typeof v === "number" && Number.isInteger(v) && !Number.isSafeInteger(v))) {
    problems.push({
      offset: node.range?.[0] ?? 0,
      code: "number-too-large",
      message: `${String(node.source ?? v)} is too large: whole numbers may be at most ${Number.MAX_SAFE_INTEGER} in magnitude`,
    });
  }
}
