// YAML text to documents that remember where every node is. Syntax errors
// are reported with their position; a document with errors is not looked at
// further, so one typo does not produce a cascade of schema complaints.
// Bounded: nesting depth and alias expansion are limited, duplicate keys are
// found in linear time (yaml's own check is quadratic), integers must be exact.

import { isScalar, LineCounter, parseAllDocuments, type Document } from "yaml";
import type { SourceRef } from "../model/spec.js";
import type { Problems } from "./errors.js";
import type { SpecFile } from "./files.js";
import type { SpecLimits } from "./limits.js";
import { interpolateDocument } from "./compose/interpolate-yaml.js";
import type { VariableLookup } from "./compose/interpolate.js";
import { unreadableVariables } from "./compose/variables.js";
import { guardDocument } from "./yaml-guards.js";

export interface YamlDoc {
  readonly file: SpecFile;
  /** 0-based position of the document in its file. */
  readonly index: number;
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
  /** The plain value (toJS), for schema validation and normalisation. */
  readonly value: unknown;
  /**
   * Where `value` sits in the YAML document, when it is a part of it: a stack's service is
   * `["services", "web"]` of its Compose file. Positions are found below this path.
   */
  readonly base?: readonly (string | number)[];
}

export interface ParsedFile {
  readonly docs: readonly YamlDoc[];
  /** False when the file holds no document with content at all (empty, or only comments). */
  readonly hasContent: boolean;
}

// Compose files lean on anchors and merge keys (<<: *defaults); allow both but
// bound alias expansion so a "billion laughs" file cannot blow up memory.
// Duplicate keys are checked by guardDocument, in linear time.
const PARSE_OPTIONS = { prettyErrors: false, uniqueKeys: false, merge: true, strict: true } as const;
/** yaml's composer is recursive: input nested thousands deep exhausts the stack. */
const STACK_EXHAUSTED = /Maximum call stack size exceeded/;
/** Guard problems reported per file; past this the file is certainly broken and the rest is noise. */
const MAX_GUARD_PROBLEMS = 20;

/**
 * `variables`: interpolate every value with Compose's rules before the document
 * becomes data (service documents); left out, `$` is literal (cluster.yaml).
 */
// eslint-disable-next-line max-lines-per-function -- one document's YAML problems, guards and conversion, in the order they must run
export function parseFile(
  file: SpecFile,
  problems: Problems,
  limits: SpecLimits,
  variables?: VariableLookup,
): ParsedFile {
  const lines = new LineCounter();
  const parsed = parseAllDocuments(file.text, { ...PARSE_OPTIONS, lineCounter: lines });
  // An empty stream (only comments/whitespace) comes back as a non-array.
  if (!Array.isArray(parsed)) return { docs: [], hasContent: false };
  const docs: YamlDoc[] = [];
  let hasContent = false;
  parsed.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      hasContent = true;
      if (doc.errors.some((e) => STACK_EXHAUSTED.test(e.message))) {
        // Nesting so deep that yaml ran out of stack before our depth guard could look: where
        // and how often it ran out depends on the engine's frame sizes (JIT state), so only the
        // document's start is reported, once: the same commit always gets the same errors.
        problems.add(
          at(file, lines, doc.range[0]),
          "nesting-too-deep",
          `nesting is too deep to read: a document may nest at most ${limits.maxDepth} levels`,
        );
        return;
      }
      for (const err of doc.errors) {
        const missing = missingColon(file.text, err.code, err.pos[0]);
        problems.add(
          at(file, lines, missing?.offset ?? err.pos[0]),
          "yaml-syntax",
          missing?.message ?? `YAML syntax error: ${oneLine(err.message)}`,
        );
      }
      return;
    }
    if (isEmpty(doc)) return;
    hasContent = true;
    const guarded = guardDocument(doc, {
      maxDepth: limits.maxDepth,
      merge: true,
      posOf: (offset) => lines.linePos(offset),
    });
    for (const g of guarded.slice(0, MAX_GUARD_PROBLEMS))
      problems.add(at(file, lines, g.offset), g.code, g.message);
    if (guarded.length > 0) return;
    // The document goes on with the failing values as written: its name still counts for
    // depends_on and duplicates elsewhere, and every other problem in it is still found.
    if (variables !== undefined) interpolate(doc, file, lines, variables, problems);
    try {
      docs.push({ file, index, doc, lines, value: doc.toJS({ maxAliasCount: limits.maxAliasCount }) });
    } catch (e) {
      const offset = doc.contents?.range[0] ?? 0;
      const reason = e instanceof Error ? oneLine(e.message) : "cannot be read";
      problems.add(at(file, lines, offset), "yaml-syntax", `YAML document cannot be read: ${reason}`);
    }
  });
  return { docs, hasContent };
}

/** Interpolates `doc` in place, reporting what fails (and only that) at the value as written. */
function interpolate(
  doc: Document.Parsed,
  file: SpecFile,
  lines: LineCounter,
  variables: VariableLookup,
  problems: Problems,
): void {
  const r = interpolateDocument(doc, file.text, variables);
  const unreadable = unreadableVariables(variables);
  for (const p of r.problems) {
    // A variable whose .env line is an error (reported there) is not also undefined here.
    if (p.variable === undefined || !unreadable.has(p.variable))
      problems.add(
        at(file, lines, p.offset),
        p.kind === "undefined" ? "undefined-variable" : "bad-interpolation",
        p.message,
      );
    // The value stays as written ("${PORT:?must be set}"), which later checks would call
    // not a port, not an image...: a second error at the same place, about text no one
    // meant as the value. The interpolation error is the one to fix.
    problems.silence(file.path, lines.linePos(p.value[0]), lines.linePos(p.value[1]));
  }
  if (r.problems.length > 0) failedValues.set(doc, new Map(r.problems.map((p) => [p.raw, p.value[0]])));
}

/** Per document, each value whose interpolation failed (as written) and the offset where it starts. */
const failedValues = new WeakMap<Document.Parsed, ReadonlyMap<string, number>>();

/**
 * Where `value` stands in the document when it is one whose interpolation failed (still its raw
 * text): also when a check meets it through an alias or a `<<:` merge key, away from where it is
 * written. Problems found in it there are silenced, as where it is written.
 */
export function failedValueOffset(doc: Document.Parsed, value: unknown): number | undefined {
  return typeof value === "string" ? failedValues.get(doc)?.get(value) : undefined;
}

// yaml's words for a line without its colon ("Implicit map keys need to be
// followed by map values", or "Implicit keys need to be on a single line" when
// the next line is read as part of the key); say it as a person would.
const MISSING_COLON_CODES = new Set(["MISSING_CHAR", "MULTILINE_IMPLICIT_KEY"]);

export function missingColon(
  text: string,
  code: string,
  offset: number,
): { offset: number; message: string } | undefined {
  if (!MISSING_COLON_CODES.has(code)) return undefined;
  const lineStart = text.lastIndexOf("\n", offset - 1) + 1;
  const lineEnd = text.indexOf("\n", offset);
  const line = text.slice(lineStart, lineEnd < 0 ? undefined : lineEnd);
  const m = /^(\s*(?:- +)?)([A-Za-z_][\w.-]*) +([^:#\s][^:#]*?)\s*(?:#.*)?$/.exec(line);
  if (!m) return undefined;
  const [, indent = "", key = "", value = ""] = m;
  return {
    offset: lineStart + indent.length,
    message: `missing ":" after the key "${key}": write "${key}: ${value}"`,
  };
}

/** No content at all: a bare "---", or a document of only comments (an implicit, zero-width null). */
function isEmpty(doc: Document.Parsed): boolean {
  const c = doc.contents;
  return c === null || (isScalar(c) && c.value === null && c.range[0] === c.range[1]);
}

export function at(file: SpecFile, lines: LineCounter, offset: number): SourceRef {
  const pos = lines.linePos(offset);
  return { path: file.path, line: pos.line, col: pos.col };
}

function oneLine(message: string): string {
  const first = message.split("\n")[0] ?? message;
  // yaml appends " at line N, column M" when prettyErrors is on; keep messages position-free.
  return first.replace(/ at line \d+, column \d+:?$/, "").trim();
}
