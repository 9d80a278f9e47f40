// Interpolation of a whole YAML document, as Compose does it: every value
// (never a key) goes through interpolateText before the document becomes
// plain data, so schema checks, normalisation and the spec hash all see the
// interpolated text, and a problem is reported at the `$` that causes it.
// An unquoted value is typed again after substitution (`published: ${PORT}`
// with PORT=8080 is the number 8080, as if 8080 had been written); a quoted
// one stays a string.

import { isAlias, isMap, isPair, isScalar, isSeq, Scalar, type Document } from "yaml";
import { interpolateText, type TemplateProblem, type VariableLookup } from "./interpolate.js";

export interface PlacedTemplateProblem extends TemplateProblem {
  /** Offset in the file's text of the `$` (or of the value, when the text there is escaped). */
  readonly offset: number;
  /** Offsets in the file's text where the value starts and ends: it stays as written there. */
  readonly value: readonly [number, number];
  /** The value as written (what it stays). */
  readonly raw: string;
}

export interface DocumentInterpolation {
  readonly problems: readonly PlacedTemplateProblem[];
  /** Every variable a value read, once each. */
  readonly used: ReadonlySet<string>;
}

export function interpolateDocument(
  doc: Document.Parsed,
  source: string,
  lookup: VariableLookup,
): DocumentInterpolation {
  const problems: PlacedTemplateProblem[] = [];
  const used = new Set<string>();
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      for (const item of node.items) if (isPair(item)) stack.push(item.value);
    } else if (isSeq(node)) {
      stack.push(...node.items);
    } else if (
      isScalar(node) &&
      !isAlias(node) &&
      typeof node.value === "string" &&
      node.value.includes("$")
    ) {
      const text = node.value;
      const r = interpolateText(text, lookup);
      if (!r.ok) {
        const [start, end] = node.range ?? [0, 0];
        problems.push({
          ...r.problem,
          offset: offsetOf(node, source, r.problem.index),
          value: [start, end],
          raw: text,
        });
        continue;
      }
      for (const v of r.variables) used.add(v);
      node.value = node.type === Scalar.PLAIN ? retype(r.value) : r.value;
    }
  }
  return { problems, used };
}

/** Where index `i` of the scalar's value is in the source: exact when the source spells the value as it is. */
function offsetOf(node: Scalar, source: string, i: number): number {
  const [start, end] = node.range ?? [0, 0];
  const written = source.slice(start, end);
  const value = String(node.value);
  if (written === value) return start + i;
  const quoted = node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE;
  if (quoted && written.slice(1, -1) === value) return start + 1 + i;
  return start;
}

const INTEGER = /^[-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
const BOOLEAN: Readonly<Record<string, boolean>> = {
  true: true,
  True: true,
  TRUE: true,
  false: false,
  False: false,
  FALSE: false,
};

/** The substituted text typed as YAML 1.2's core schema would type it, written there unquoted. */
function retype(text: string): string | number | boolean {
  if (INTEGER.test(text)) {
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : text;
  }
  if (FLOAT.test(text)) return Number(text);
  const b = BOOLEAN[text];
  return b ?? text;
}
