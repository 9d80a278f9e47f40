// The `.env` format Compose reads (beside a Compose file, and for env_file):
// `KEY=value` lines, `export KEY=value`, `#` comments, values unquoted
// (trimmed, a ` #` starts a comment), 'single-quoted' (literal) or
// "double-quoted" (escapes \n \t \" \\). Unquoted and double-quoted values
// are interpolated like the YAML, with the variables defined above them and
// those given; single-quoted ones are not. A bare `KEY` line takes KEY from
// the given variables when defined there (Compose takes it from the shell),
// and is skipped otherwise.
//
// Quotes, as Compose's parser reads them: a quoted value (either quote) runs
// to the next quote of its kind not escaped by a backslash (`\'` in single
// quotes too), so it may span lines. A quote with no closing one before the
// end of the file is an `unclosed-quote` error for its key, at the quote, and
// reading goes on at the next line, so the keys after it are read (and their
// errors reported) as their own. A value whose closing quote is on a later
// line but has other text after it (`C="z"` closing `A="open` two lines up)
// is taken the same way: an unclosed quote on its first line (Compose fails
// such a file too, with an unexpected character after the quote).
//
// After a quote closed on its own line only a comment may follow (`A="x" # note`, `A="x"#note`,
// as in Compose). Other text is a `text-after-quote` error at that text: Compose reads it as
// the next statement on the same line (`A="x" B=y` sets B too, `A="x" junk` takes junk from the
// shell, `A="x" two words` fails), which a shell reader (`A="x"y` is xy there) would not guess.

import { interpolateText, type VariableLookup } from "./interpolate.js";

export interface DotEnvProblem {
  readonly line: number;
  readonly col: number;
  /**
   * `unclosed-quote` for a quote never closed; `text-after-quote` for a value closed on its line with more
   * than a comment after it; `bad-env-file` for every other line that cannot be read.
   */
  readonly code: "bad-env-file" | "unclosed-quote" | "text-after-quote";
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
        code: "bad-env-file",
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
    const rest = body.slice(eq + 1).trimStart();
    const restCol = valueCol + (body.length - eq - 1 - rest.length);
    let value: string;
    const quote = rest[0];
    if (quote === "'" || quote === '"') {
      const q = readQuoted(all, n, rest, quote);
      if (!q.ok && q.trailing !== undefined) {
        problems.push({
          line: lineNo,
          col: restCol + q.trailing,
          code: "text-after-quote",
          message: trailingMessage(key, quote),
        });
        unreadable.add(key);
        continue;
      }
      if (!q.ok) {
        // Read on from the next line: the lines after an unclosed quote are their own.
        problems.push({
          line: lineNo,
          col: restCol,
          code: "unclosed-quote",
          message: unclosedMessage(key, quote, q),
        });
        unreadable.add(key);
        continue;
      }
      n = q.lastLine;
      if (quote === "'") {
        value = q.inner.replace(/\\(.)/gs, (m, c: string) => (c === "'" ? c : m));
      } else {
        const r = interpolateText(unescape(q.inner), lookup);
        if (!r.ok) {
          problems.push({ line: lineNo, col: restCol, code: "bad-env-file", message: r.problem.message });
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
        problems.push({
          line: lineNo,
          col: restCol + r.problem.index,
          code: "bad-env-file",
          message: r.problem.message,
        });
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

type Quoted =
  | { readonly ok: true; readonly inner: string; readonly lastLine: number }
  | {
      readonly ok: false;
      /** Where a later line's quote was found with text after it (so it cannot end the value). */
      readonly after?: { readonly line: number; readonly col: number };
      /** Closed on its own line, but followed there by text that is not a comment: its index in `rest`. */
      readonly trailing?: number;
    };

/** The quoted value `rest` opens on line index `n`: up to its closing quote, on this line or a later one. */
function readQuoted(all: readonly string[], n: number, rest: string, quote: string): Quoted {
  let text = rest;
  let last = n;
  let closed = closingQuote(text, quote);
  while (closed < 0 && last + 1 < all.length) {
    // Scan only the added line (from its "\n"), so a long unclosed value costs its length once.
    const from = text.length;
    last++;
    text += `\n${all[last] ?? ""}`;
    closed = closingQuote(text, quote, from);
  }
  if (closed < 0) return { ok: false };
  if (last === n) {
    const tail = text.slice(closed + 1).search(/\S/);
    if (tail >= 0 && text[closed + 1 + tail] !== "#") return { ok: false, trailing: closed + 1 + tail };
  }
  if (last > n && !/^[ \t]*(#.*)?$/.test(text.slice(closed + 1))) {
    return { ok: false, after: { line: last + 1, col: closed - text.lastIndexOf("\n") } };
  }
  return { ok: true, inner: text.slice(1, closed), lastLine: last };
}

function unclosedMessage(
  key: string,
  quote: string,
  q: { readonly after?: { line: number; col: number } },
): string {
  const head = `unclosed quote: the value of ${key} opens a ${quote} that`;
  const fix =
    "close it where the value ends (a quoted value may span lines, up to a closing quote that ends its line)";
  if (q.after === undefined) return `${head} is never closed: ${fix}`;
  return `${head} is not closed on its line, and the next ${quote} (line ${q.after.line}, col ${q.after.col}) has more text after it, so it does not end the value: ${fix}`;
}

// The text itself is not quoted back: it may be part of a secret (the value of a key not set).
function trailingMessage(key: string, quote: string): string {
  return (
    `text after the closing ${quote} of ${key}'s value: Compose would read it as more variables on this ` +
    `line (a name alone taken from the shell); put it inside the quotes, on a line of its own, or after a # as a comment`
  );
}

/** Index of the quote closing the one at text[0]; a backslash escapes the next character in either kind, as in Compose. */
function closingQuote(text: string, quote: string, from = 1): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === "\\") {
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
