// Compose's variable interpolation, on one string: `$$` is a literal `$`;
// `$VAR` and `${VAR}` take the variable's value; `${VAR:-default}` (unset or
// empty) and `${VAR-default}` (unset) fall back; `${VAR:?message}` and
// `${VAR?message}` stop with the message; `${VAR:+alt}` and `${VAR+alt}` give
// alt when set. Defaults may hold further `${...}`. A `$` followed by anything
// else stays as written (Compose leaves `$1` or `$ ` alone), but a `${` that is
// not a valid expression is an error, as in Compose.
//
// One departure from Compose, on purpose: a variable that is not defined and has
// no default is an error at its position, not a warning and an empty string —
// a deployment must not silently run with a blank image tag or password.

/** The value of a variable, or undefined when it is not defined. */
export type VariableLookup = (name: string) => string | undefined;

export interface TemplateProblem {
  /** Offset of the `$` that starts the failing expression, in the text given. */
  readonly index: number;
  /** undefined: a variable without a value or default (or a required one); syntax: not an expression. */
  readonly kind: "undefined" | "syntax";
  readonly message: string;
  /** The variable without a value (kind undefined). */
  readonly variable?: string;
}

export type Interpolated =
  | { readonly ok: true; readonly value: string; readonly variables: readonly string[] }
  | { readonly ok: false; readonly problem: TemplateProblem };

const NAME = /^[_A-Za-z][_A-Za-z0-9]*/;

/** The text with every expression replaced; the variables read, in order (for redaction and messages). */
export function interpolateText(text: string, lookup: VariableLookup): Interpolated {
  if (!text.includes("$")) return { ok: true, value: text, variables: [] };
  const used: string[] = [];
  const r = expand(text, 0, text.length, lookup, used, 0);
  return r.ok ? { ok: true, value: r.value, variables: used } : r;
}

/** Nesting of defaults inside defaults: far beyond any real file, and keeps recursion bounded. */
const MAX_NESTING = 16;

type Expanded = { ok: true; value: string } | { ok: false; problem: TemplateProblem };

function expand(
  text: string,
  from: number,
  to: number,
  lookup: VariableLookup,
  used: string[],
  depth: number,
): Expanded {
  let out = "";
  let i = from;
  while (i < to) {
    const dollar = text.indexOf("$", i);
    if (dollar < 0 || dollar >= to) {
      out += text.slice(i, to);
      break;
    }
    out += text.slice(i, dollar);
    const next = text[dollar + 1];
    if (next === "$") {
      out += "$";
      i = dollar + 2;
      continue;
    }
    if (next === "{") {
      const close = matchingBrace(text, dollar + 2, to);
      if (close < 0)
        return fail(
          dollar,
          `"${clip(text.slice(dollar, to))}" has no closing "}": close the expression with } (\${NAME}), or write $$ for a literal $`,
        );
      const r = braced(text, dollar, dollar + 2, close, lookup, used, depth);
      if (!r.ok) return r;
      out += r.value;
      i = close + 1;
      continue;
    }
    const name = NAME.exec(text.slice(dollar + 1, to))?.[0];
    if (name === undefined) {
      out += "$"; // `$1`, `$ `, a trailing `$`: Compose leaves them as they are
      i = dollar + 1;
      continue;
    }
    const value = lookup(name);
    used.push(name);
    if (value === undefined) return fail(dollar, undefinedMessage(name, `$${name}`), name);
    out += value;
    i = dollar + 1 + name.length;
  }
  return { ok: true, value: out };
}

/** `${...}` from `start` (after the brace) to `close` (the closing brace). */
// eslint-disable-next-line max-lines-per-function -- every ${...} form of Compose's interpolation (:-, -, :?, ?, :+, +) in one place
function braced(
  text: string,
  dollar: number,
  start: number,
  close: number,
  lookup: VariableLookup,
  used: string[],
  depth: number,
): Expanded {
  const inner = text.slice(start, close);
  const name = NAME.exec(inner)?.[0];
  if (name === undefined) {
    return fail(
      dollar,
      `"\${${clip(inner)}}" is not a valid expression: a variable name starts with a letter or "_" (write $$ for a literal $)`,
    );
  }
  const rest = inner.slice(name.length);
  const value = lookup(name);
  used.push(name);
  if (rest === "") {
    if (value === undefined) return fail(dollar, undefinedMessage(name, `\${${name}}`), name);
    return { ok: true, value };
  }
  const op = /^(:-|-|:\?|\?|:\+|\+)/.exec(rest)?.[0];
  if (op === undefined) {
    return fail(
      dollar,
      `"\${${clip(inner)}}" is not a valid expression: after the name write }, :-default, -default, :?message, ?message, :+value or +value`,
    );
  }
  const argFrom = start + name.length + op.length;
  const unsetOrEmpty = value === undefined || value === "";
  const arg = (): Expanded => {
    if (depth >= MAX_NESTING)
      return fail(
        dollar,
        `expressions are nested more than ${MAX_NESTING} deep: write the default in fewer levels`,
      );
    return expand(text, argFrom, close, lookup, used, depth + 1);
  };
  switch (op) {
    case ":-":
      return unsetOrEmpty ? arg() : { ok: true, value: value ?? "" };
    case "-":
      return value === undefined ? arg() : { ok: true, value };
    case ":?":
    case "?": {
      const missing = op === ":?" ? unsetOrEmpty : value === undefined;
      if (!missing) return { ok: true, value: value ?? "" };
      const m = arg();
      if (!m.ok) return m;
      const why = m.value.trim() === "" ? `${name} is required` : m.value;
      return fail(
        dollar,
        `required variable ${name} is ${value === undefined ? "not defined" : "empty"}: ${why} (${SET_IT})`,
        name,
      );
    }
    case ":+":
      return unsetOrEmpty ? { ok: true, value: "" } : arg();
    default: // "+"
      return value === undefined ? { ok: true, value: "" } : arg();
  }
}

/** Index of the `}` closing a `${` whose content starts at `from`, counting nested `${`; -1 when none. */
function matchingBrace(text: string, from: number, to: number): number {
  let depth = 0;
  for (let i = from; i < to; i++) {
    const c = text[i];
    if (c === "$" && text[i + 1] === "$") {
      i++;
    } else if (c === "$" && text[i + 1] === "{") {
      depth++;
      i++;
    } else if (c === "}") {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

/** Where a variable's value comes from, said to whoever has to give it one. */
const SET_IT = "define it in the .env file beside this file or in the operator configuration's variables";

function undefinedMessage(name: string, written: string): string {
  return `variable ${name} is not defined (${written}): ${SET_IT}, give a default with \${${name}:-default}, or write $$ for a literal $`;
}

/** `variable`: the variable without a value (an undefined problem); without it, a syntax problem. */
function fail(index: number, message: string, variable?: string): Expanded {
  const problem: TemplateProblem =
    variable === undefined
      ? { index, kind: "syntax", message }
      : { index, kind: "undefined", message, variable };
  return { ok: false, problem };
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
