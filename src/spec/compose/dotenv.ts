// The `.env` format Compose reads (beside a Compose file, and for env_file):
// `KEY=value` lines, `export KEY=value`, `#` comments, values unquoted
// (trimmed, a ` #` starts a comment), 'single-quoted' (literal) or
// "double-quoted" (escapes \n \t \" \\, may span lines). Unquoted and
// double-quoted values are interpolated like the YAML, with the variables
// defined above them and those given; single-quoted ones are not. A bare
// `KEY` line takes KEY from the given variables when defined there (Compose
// takes it from the shell), and is skipped otherwise.

import { interpolateText, type VariableLookup } from "./interpolate.js";

export interface DotEnvProblem {
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

export interface DotEnv {
  /** In file order; a key set twice keeps its last value, as in Compose. */
  readonly values: ReadonlyMap<string, string>;
  /** Where each key was (last) set, 1-based. */
  readonly lines: ReadonlyMap<string, number>;
  readonly problems: readonly DotEnvProblem[];
  /** Keys whose line is a problem (its value could not be read), and not set by another line. */
  readonly unreadable: ReadonlySet<string>;
  /** Variables that values here read from `outer` (not from lines of this file). */
  readonly used: readonly string[];
}

const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

// eslint-disable-next-line max-lines-per-function -- a line-by-line parser of Compose's .env syntax (quotes, escapes, interpolation)
export function parseDotEnv(text: string, outer: VariableLookup = () => undefined): DotEnv {
  const values = new Map<string, string>();
  const lines = new Map<string, number>();
  const problems: DotEnvProblem[] = [];
  const unreadable = new Set<string>();
  const used: string[] = [];
  const lookup: VariableLookup = (name) => {
    if (values.has(name)) return values.get(name);
    const v = outer(name);
    if (v !== undefined) used.push(name);
    return v;
  };
  const all = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (let n = 0; n < all.length; n++) {
    const raw = all[n] ?? "";
    const lineNo = n + 1;
    const trimmed = raw.trimStart();
    const indent = raw.length - trimmed.length;
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const body = trimmed.startsWith("export ") ? trimmed.slice(7).trimStart() : trimmed;
    const bodyCol = indent + (trimmed.length - body.length) + 1;
    const eq = body.indexOf("=");
    const key = (eq < 0 ? body : body.slice(0, eq)).trim();
    if (!KEY.test(key)) {
      problems.push({
        line: lineNo,
        col: bodyCol,
        message: `"${clip(key)}" is not a variable name: write KEY=value, the name of letters, digits and "_", not starting with a digit`,
      });
      continue;
    }
    if (eq < 0) {
      const v = outer(key);
      if (v !== undefined) {
        values.set(key, v);
        lines.set(key, lineNo);
        used.push(key);
      }
      continue;
    }
    const valueCol = bodyCol + eq + 1;
    let rest = body.slice(eq + 1).trimStart();
    const restCol = valueCol + (body.length - eq - 1 - rest.length);
    let value: string;
    const quote = rest[0];
    if (quote === "'" || quote === '"') {
      // The closing quote may be on a later line.
      let closed = closingQuote(rest, quote);
      while (closed < 0 && n + 1 < all.length) {
        n++;
        rest += `\n${all[n] ?? ""}`;
        closed = closingQuote(rest, quote);
      }
      if (closed < 0) {
        problems.push({
          line: lineNo,
          col: restCol,
          message: `the value of ${key} opens a ${quote} it never closes`,
        });
        unreadable.add(key);
        continue;
      }
      const inner = rest.slice(1, closed);
      if (quote === "'") {
        value = inner;
      } else {
        const r = interpolateText(unescape(inner), lookup);
        if (!r.ok) {
          problems.push({ line: lineNo, col: restCol, message: r.problem.message });
          unreadable.add(key);
          continue;
        }
        value = r.value;
      }
    } else {
      const comment = rest.search(/\s#/);
      const plain = (comment < 0 ? rest : rest.slice(0, comment)).trim();
      const r = interpolateText(plain, lookup);
      if (!r.ok) {
        problems.push({ line: lineNo, col: restCol + r.problem.index, message: r.problem.message });
        unreadable.add(key);
        continue;
      }
      value = r.value;
    }
    values.set(key, value);
    lines.set(key, lineNo);
  }
  for (const key of values.keys()) unreadable.delete(key);
  return { values, lines, problems, unreadable, used };
}

function closingQuote(text: string, quote: string): number {
  for (let i = 1; i < text.length; i++) {
    if (quote === '"' && text[i] === "\\") {
      i++;
      continue;
    }
    if (text[i] === quote) return i;
  }
  return -1;
}

const ESCAPES: Readonly<Record<string, string>> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };

function unescape(s: string): string {
  return s.replace(/\\(.)/g, (all, c: string) => ESCAPES[c] ?? all);
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
