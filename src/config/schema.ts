// schemas/operator.schema.json's validation, and ajv's errors turned into
// one plain sentence each, addressed by JSON pointer. The validation is ajv's
// standalone code generated ahead of time (scripts/schema-validators.ts, with
// the options it lists: all errors, verbose, strict): compiling the schema, and
// loading ajv to do it, cost every `gitfleet run` about 160 ms of CPU before its
// first sync (issue 13, cold start).

import type { ErrorObject } from "ajv";
import { didYouMean } from "../spec/suggest.js";
import type { ConfigErrorCode } from "./errors.js";
import { Operator } from "./schema-validator.generated.js";

interface Validator {
  (value: unknown): boolean;
  errors?: ErrorObject[] | null;
}

const validate: Validator = Operator;

export interface SchemaProblem {
  /** JSON pointer of the value at fault. */
  readonly pointer: string;
  /** Point at the key rather than the value (unknown keys). */
  readonly atKey: boolean;
  readonly code: ConfigErrorCode;
  readonly message: string;
}

export function schemaProblems(value: unknown): SchemaProblem[] {
  if (validate(value)) return [];
  const errors = validate.errors ?? [];
  // Errors inside a oneOf branch only explain why that branch failed; the
  // oneOf error itself says what is wanted.
  // Likewise anyOf, and propertyNames reports its inner failure as well as itself.
  return errors
    .filter((e) => !e.schemaPath.includes("/oneOf/") && !e.schemaPath.includes("/anyOf/"))
    .filter((e) => e.propertyName === undefined || e.keyword === "propertyNames")
    .map(toProblem);
}

// eslint-disable-next-line max-lines-per-function -- one case per ajv keyword, each its pointer, code and sentence
function toProblem(e: ErrorObject): SchemaProblem {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "additionalProperties":
      return {
        pointer: `${e.instancePath}/${String(p["additionalProperty"])}`,
        atKey: true,
        code: "config-unknown-key",
        message: unknownKey(String(p["additionalProperty"]), e.instancePath, e.parentSchema),
      };
    case "required":
      return {
        pointer: e.instancePath,
        atKey: false,
        code: "config-missing-key",
        message: `missing required key "${String(p["missingProperty"])}"`,
      };
    case "propertyNames":
      return {
        pointer: `${e.instancePath}/${String(p["propertyName"])}`,
        atKey: true,
        code: "config-bad-variable-name",
        message: `"${String(p["propertyName"])}" is not a variable name: use letters, digits and "_", not starting with a digit`,
      };
    case "anyOf":
      return {
        pointer: e.instancePath,
        atKey: false,
        code: "config-wrong-type",
        message: "must be a string, a number or true/false",
      };
    case "oneOf": {
      const choices = oneOfKeys(e.parentSchema);
      // None of the choices given, or more than one.
      const code = p["passingSchemas"] === null ? "config-missing-key" : "config-conflict";
      return { pointer: e.instancePath, atKey: false, code, message: `give exactly one of ${choices}` };
    }
    case "pattern":
      if (e.instancePath === "/repository/url") {
        // Says every accepted form: SSH addresses too, not only the first example.
        return {
          pointer: e.instancePath,
          atKey: false,
          code: "config-bad-url",
          message: `not a Git URL: write https://host/path.git, ssh://[user@]host[:port]/path.git or user@host:path.git`,
        };
      }
      return {
        pointer: e.instancePath,
        atKey: false,
        code: patternCode(e),
        message: `invalid value${example(e.parentSchema)}`,
      };
    case "format":
    case "minLength":
      return {
        pointer: e.instancePath,
        atKey: false,
        code: "config-bad-value",
        message: `invalid value${example(e.parentSchema)}`,
      };
    case "type":
      return {
        pointer: e.instancePath,
        atKey: false,
        code: "config-wrong-type",
        message: `must be ${article(String(p["type"]))}${example(e.parentSchema)}`,
      };
    default:
      // enum, minimum, maximum, minItems...
      return {
        pointer: e.instancePath,
        atKey: false,
        code: "config-bad-value",
        message: e.message ?? "invalid",
      };
  }
}

/** What a string failing its pattern was meant to be: a duration, a listen address, a URL, a size. */
function patternCode(e: ErrorObject): ConfigErrorCode {
  if (e.schemaPath.includes("/definitions/duration/")) return "config-bad-duration";
  if (e.schemaPath.includes("/definitions/listen/")) return "config-bad-listen";
  const pattern = typeof e.schema === "string" ? e.schema : "";
  if (pattern.includes("https?:")) return "config-bad-url";
  if (pattern.includes("[kKmMgGtTpP]")) return "config-bad-size";
  return "config-bad-value";
}

// Phrased as spec errors are: "did you mean" for a near miss (the same
// matcher), the allowed keys only when nothing is close.
function unknownKey(key: string, pointer: string, parent: unknown): string {
  const props = (parent as { properties?: Record<string, unknown> } | undefined)?.properties;
  const allowed = props ? Object.keys(props) : [];
  const where = pointer === "" ? "the configuration" : pointer.slice(1).replaceAll("/", ".");
  const close = didYouMean(key, allowed);
  if (close !== undefined) return `unknown key "${key}" in ${where}: did you mean "${close}"?`;
  return `unknown key "${key}" in ${where}; allowed keys: ${allowed.join(", ")}`;
}

function oneOfKeys(parent: unknown): string {
  const branches = (parent as { oneOf?: Array<{ required?: string[] }> } | undefined)?.oneOf ?? [];
  return branches.map((b) => `"${(b.required ?? []).join(", ")}"`).join(" or ");
}

function example(parent: unknown): string {
  const ex = (parent as { examples?: unknown[] } | undefined)?.examples?.[0];
  return ex !== undefined ? `, e.g. ${JSON.stringify(ex)}` : "";
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
