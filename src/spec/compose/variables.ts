// Where interpolated variables come from, for one spec file: the variables
// the operator configuration supplies (trusted, and they win, as the shell's
// environment wins over .env in Compose), then the `.env` file in the same
// folder as the file (read from the commit). Never the operator process's own
// environment: the configuration names what it takes from there
// (`variables_from_environment`) and passes it in with its variables.
// Values of variables whose names say they are secret are remembered, so
// messages that end up in status can be redacted.

import type { SourceRef } from "../../model/spec.js";
import { parseDotEnv, type DotEnvProblem } from "./dotenv.js";
import type { VariableLookup } from "./interpolate.js";

export const DOT_ENV = ".env";

/** Names that say the value is a credential (DB_PASSWORD, API_TOKEN, AWS_SECRET_ACCESS_KEY, ...). */
const SECRET_NAME = /PASS|SECRET|TOKEN|KEY|CREDENTIAL|PRIVATE|AUTH|CERT|SALT|COOKIE|SESSION|DSN/i;
/** Shorter values are not worth redacting (and would mask unrelated words). */
const MIN_SECRET_LENGTH = 4;

export interface VariableProblem {
  readonly at: SourceRef;
  readonly code: DotEnvProblem["code"];
  readonly message: string;
}

/** Per lookup, the variables of its .env whose lines could not be read (reported there). */
const unreadableOf = new WeakMap<VariableLookup, ReadonlySet<string>>();

/**
 * Variables `lookup` leaves undefined because their `.env` line is an error of its own: a use
 * of one is that error's consequence, not a variable someone forgot to define.
 */
export function unreadableVariables(lookup: VariableLookup): ReadonlySet<string> {
  return unreadableOf.get(lookup) ?? new Set();
}

export class SpecVariables {
  private readonly byDir = new Map<string, VariableLookup>();
  private readonly secrets = new Set<string>();
  private readonly problemList: VariableProblem[] = [];

  /**
   * @param operator the operator configuration's variables
   * @param envFiles text of the `.env` files of the commit, by path
   */
  constructor(
    private readonly operator: Readonly<Record<string, string>>,
    private readonly envFiles: ReadonlyMap<string, string>,
  ) {
    for (const [name, value] of Object.entries(operator)) this.noteSecret(name, value);
  }

  /** The lookup for a spec file at `path` (posix, relative to the repository root). */
  lookupFor(path: string): VariableLookup {
    const dir = dirOf(path);
    let lookup = this.byDir.get(dir);
    if (lookup === undefined) {
      lookup = this.build(dir);
      this.byDir.set(dir, lookup);
    }
    return lookup;
  }

  /** The text of the `.env` file that applies to the spec file at `path`, if any (a cache key part). */
  envTextFor(path: string): string | undefined {
    return this.envFiles.get(envPathFor(dirOf(path)));
  }

  /** Values to keep out of messages: those of variables whose names say they are secret. */
  secretValues(): readonly string[] {
    return [...this.secrets];
  }

  /** Problems in the `.env` files read so far. */
  problems(): readonly VariableProblem[] {
    return this.problemList;
  }

  private build(dir: string): VariableLookup {
    const fromOperator: VariableLookup = (name) =>
      Object.prototype.hasOwnProperty.call(this.operator, name) ? this.operator[name] : undefined;
    const envPath = envPathFor(dir);
    const text = this.envFiles.get(envPath);
    if (text === undefined) return fromOperator;
    const env = parseDotEnv(text, fromOperator);
    for (const p of env.problems) {
      this.problemList.push({
        at: { path: envPath, line: p.line, col: p.col },
        code: p.code,
        message: p.message,
      });
    }
    for (const [name, value] of env.values) this.noteSecret(name, value);
    const lookup: VariableLookup = (name) => fromOperator(name) ?? env.values.get(name);
    unreadableOf.set(lookup, env.unreadable);
    return lookup;
  }

  private noteSecret(name: string, value: string): void {
    if (SECRET_NAME.test(name) && value.length >= MIN_SECRET_LENGTH) this.secrets.add(value);
  }
}

function dirOf(path: string): string {
  return path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
}

function envPathFor(dir: string): string {
  return dir === "" ? DOT_ENV : `${dir}/${DOT_ENV}`;
}

/** The text with every secret value replaced by "***". */
export function redactValues(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join("***");
  return out;
}
