// The status files' YAML, written line by line. `yaml`'s stringify builds a
// document of node objects for the whole value before it writes a character:
// for a service of 1,000 replicas that is megabytes of short-lived objects
// per file, and rendering status was a seventh of what the operator allocated
// during a fleet deploy. The status documents are plain JSON values, mostly
// names, numbers and timestamps, so this writes exactly what
// `stringify(value, { lineWidth: 0, aliasDuplicateObjects: false })` writes
// for them (block maps and sequences indented by 2, empty ones as `{}`/`[]`,
// scalars plain unless YAML would read them as something else, then quoted
// as `yaml` quotes them), and gives up (undefined) on anything it does not
// write the same way for certain: line breaks, tabs and control characters,
// document markers, long keys, non-finite numbers, undefined in a list,
// anything not JSON. The caller then uses `yaml`. A test compares the two on
// generated documents.

const INDENT = "  ";
/** yaml writes longer keys as explicit `? key` entries. */
const MAX_KEY = 1000;

/** Characters after which yaml would not write a single-line plain or quoted scalar as below. */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u00a0\u2028\u2029\ufeff\u{D800}-\u{DFFF}]/u;
/** yaml's plainString: what may not be written plain (for single-line values). */
const NOT_PLAIN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
/** The YAML 1.2 core schema's other scalars: a plain string looking like one is quoted. */
const CORE_TAGS = [
  /^(?:~|[Nn]ull|NULL)?$/,
  /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/,
  /^0o[0-7]+$/,
  /^[-+]?[0-9]+$/,
  /^0x[0-9a-fA-F]+$/,
  /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/,
];
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/;

class Unsupported extends Error {}
const unsupported = new Unsupported();

/** The YAML of a plain JSON object as `yaml` writes it, or undefined when not certain to match. */
export function blockYaml(doc: unknown): string | undefined {
  const out: string[] = [];
  try {
    if (!isObject(doc)) return undefined;
    if (!writeMap(doc, "", "", out)) return "{}\n";
  } catch (err) {
    if (err === unsupported) return undefined;
    throw err;
  }
  out.push("");
  return out.join("\n");
}

/** Lines of a non-empty map (false when it is empty): the first starts with `lead`, the others with `indent`. */
function writeMap(map: Record<string, unknown>, lead: string, indent: string, out: string[]): boolean {
  let prefix = lead;
  let any = false;
  for (const key of Object.keys(map)) {
    const value = map[key];
    if (value === undefined) continue; // yaml leaves such a pair out
    if (key.length > MAX_KEY) throw unsupported;
    const head = `${prefix}${scalar(key)}:`;
    if (!writeNested(value, head, indent + INDENT, out)) out.push(`${head} ${inline(value)}`);
    prefix = indent;
    any = true;
  }
  return any;
}

/** Lines of a non-empty list (false when it is empty), as writeMap. */
function writeSeq(list: readonly unknown[], lead: string, indent: string, out: string[]): boolean {
  let prefix = lead;
  for (const item of list) {
    if (item === undefined) throw unsupported;
    const dash = `${prefix}- `;
    if (isObject(item) ? !writeMap(item, dash, indent + INDENT, out) : !nestedSeq(item, dash, indent, out))
      out.push(`${dash}${inline(item)}`);
    prefix = indent;
  }
  return list.length > 0;
}

function nestedSeq(item: unknown, dash: string, indent: string, out: string[]): boolean {
  return Array.isArray(item) && writeSeq(item, dash, indent + INDENT, out);
}

/** A non-empty map or list as a block under `head` (a key): false for anything written inline. */
function writeNested(value: unknown, head: string, indent: string, out: string[]): boolean {
  if (isObject(value)) {
    if (!hasDefined(value)) return false;
    out.push(head);
    return writeMap(value, indent, indent, out);
  }
  if (Array.isArray(value) && value.length > 0) {
    out.push(head);
    return writeSeq(value, indent, indent, out);
  }
  return false;
}

/** A scalar, or an empty map or list. */
function inline(value: unknown): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    throw unsupported;
  }
  if (isObject(value)) {
    if (!hasDefined(value)) return "{}";
    throw unsupported;
  }
  return scalar(value);
}

function scalar(value: unknown): string {
  switch (typeof value) {
    case "string":
      return string(value);
    case "number":
      if (!Number.isFinite(value)) throw unsupported;
      return Object.is(value, -0) ? "-0" : JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "object":
      if (value === null) return "null";
      throw unsupported;
    default:
      throw unsupported;
  }
}

function string(s: string): string {
  if (UNSAFE.test(s) || DOCUMENT_MARKER.test(s)) throw unsupported;
  if (!NOT_PLAIN.test(s) && !CORE_TAGS.some((t) => t.test(s))) return s;
  // yaml's quotedString: single quotes only for a value with double quotes and no single ones.
  if (s.includes('"') && !s.includes("'")) return `'${s}'`;
  return JSON.stringify(s);
}

function isObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) throw unsupported; // a Date, a Map, a class: not JSON
  return true;
}

function hasDefined(map: Record<string, unknown>): boolean {
  for (const key in map) if (map[key] !== undefined) return true;
  return false;
}
