// ajv's errors for one document, turned into problems a person can act on:
// placed at the offending YAML node, phrased as "what is wrong, what is
// allowed", with "did you mean" for near misses. Noise ajv emits for
// alternatives (anyOf branches, if/then) is folded away.

import type { ErrorObject } from "ajv";
import type { SourceRef } from "../model/spec.js";
import { dotted } from "./context.js";
import type { Problems, SpecErrorCode } from "./errors.js";
import { hintFor } from "./hints.js";
import type { YamlDoc } from "./parse.js";
import { locate, pointerToPath, type PathSegment } from "./positions.js";
import { serviceSchema, type SpecKind } from "./schemas.js";
import { didYouMean } from "./suggest.js";

interface Problem {
  readonly at: SourceRef;
  readonly code: SpecErrorCode;
  readonly message: string;
}

const HINTED_KEYWORDS = new Set(["type", "pattern", "minimum", "maximum", "anyOf", "format", "minLength"]);
const DEPLOY_KEYS = Object.keys(serviceSchema.definitions.deploy.properties);

export function reportSchemaErrors(
  d: YamlDoc,
  kind: SpecKind,
  errors: readonly ErrorObject[],
  problems: Problems,
): void {
  const seen = new Set<string>();
  for (const e of relevant(errors)) {
    const p = explain(d, kind, e);
    const key = `${p.at.line}:${p.at.col}:${p.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.add(p.at, p.code, p.message);
  }
}

function relevant(errors: readonly ErrorObject[]): ErrorObject[] {
  const anyOfAt = new Set(errors.filter((e) => e.keyword === "anyOf").map((e) => e.instancePath));
  return errors.filter((e) => {
    if (e.keyword === "if") return false; // its `then` error says what is wrong
    if (e.keyword !== "anyOf" && anyOfAt.has(e.instancePath) && e.schemaPath.includes("/anyOf/"))
      return false;
    // propertyNames reports the inner failure too, at the same place; keep the outer one.
    if (e.propertyName !== undefined && e.keyword !== "propertyNames") return false;
    return true;
  });
}

// eslint-disable-next-line max-lines-per-function -- one case per ajv keyword, each its sentence
function explain(d: YamlDoc, kind: SpecKind, e: ErrorObject): Problem {
  const path = pointerToPath(e.instancePath);
  const subject = subjectOf(kind, path);
  const value: unknown = e.data;
  const hint = HINTED_KEYWORDS.has(e.keyword) ? hintFor(e.parentSchema) : undefined;
  if (hint) {
    const message =
      e.keyword === "type"
        ? `${subject} must be ${hint.what} (${hint.rule}), got ${show(value)}`
        : `${subject} ${show(value)} is not ${hint.what}: ${hint.rule}`;
    return { at: locate(d, path), code: hint.code, message };
  }
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case "additionalProperties":
      return unknownKey(d, kind, path, String(params.additionalProperty), e.parentSchema);
    case "required":
      return {
        at: locate(d, path),
        code: "schema",
        message: `${containerOf(kind, path)} is missing the required key "${String(params.missingProperty)}"`,
      };
    case "enum":
      return {
        at: locate(d, path),
        code: "schema",
        message: enumMessage(subject, value, (params.allowedValues as unknown[]) ?? []),
      };
    case "const":
      return {
        at: locate(d, path),
        code: "schema",
        message: `${subject} must be ${show(params.allowedValue)}`,
      };
    case "type":
      return {
        at: locate(d, path),
        code: "schema",
        message: `${subject} must be ${typeWords(String(params.type))}, got ${show(value)}${lostColon(String(params.type), value)}`,
      };
    case "propertyNames":
      return {
        at: locate(d, [...path, String(params.propertyName)], { key: true }),
        code: "schema",
        message:
          path[path.length - 1] === "depends_on"
            ? `depends_on names ${show(params.propertyName)}, which is not a service name: lowercase letters, digits, "_", "." and "-", starting with a letter or digit (a service of this file, or of services/)`
            : `${subject} has an invalid key ${show(params.propertyName)}: keys may not contain spaces or "="`,
      };
    case "minimum":
    case "maximum":
      return {
        at: locate(d, path),
        code: "schema",
        message: `${subject} must be ${e.keyword === "minimum" ? "at least" : "at most"} ${String(params.limit)}, got ${show(value)}`,
      };
    case "minItems":
      return {
        at: locate(d, path),
        code: "schema",
        message: `${subject} must have at least ${String(params.limit)} entry`,
      };
    case "minLength":
      return { at: locate(d, path), code: "schema", message: `${subject} must not be empty` };
    default:
      return { at: locate(d, path), code: "schema", message: `${subject} ${e.message ?? "is not valid"}` };
  }
}

function unknownKey(d: YamlDoc, kind: SpecKind, path: PathSegment[], key: string, schema: unknown): Problem {
  const allowed = allowedKeys(schema);
  const where = containerOf(kind, path);
  const at = locate(d, [...path, key], { key: true });
  const close = didYouMean(key, allowed);
  if (close !== undefined) {
    return { at, code: "unknown-key", message: `unknown key "${key}" in ${where}: did you mean "${close}"?` };
  }
  // A deploy key written at the top of a service, as in docker run habits.
  if (kind === "Service" && path.length === 0) {
    const deployKey = DEPLOY_KEYS.includes(key) ? key : didYouMean(key, DEPLOY_KEYS);
    if (deployKey !== undefined) {
      return {
        at,
        code: "unknown-key",
        message: `unknown key "${key}" in service: did you mean "deploy.${deployKey}"?`,
      };
    }
  }
  return {
    at,
    code: "unknown-key",
    message: `unknown key "${key}" in ${where}; allowed keys: ${allowed.join(", ")}`,
  };
}

function allowedKeys(schema: unknown): string[] {
  if (typeof schema !== "object" || schema === null || !("properties" in schema)) return [];
  const props = (schema as { properties: unknown }).properties;
  return typeof props === "object" && props !== null ? Object.keys(props) : [];
}

function enumMessage(subject: string, value: unknown, allowed: readonly unknown[]): string {
  const list = allowed.map((v) => String(v)).join(", ");
  const close = typeof value === "string" ? didYouMean(value, allowed.map(String)) : undefined;
  const suggestion = close !== undefined ? ` (did you mean "${close}"?)` : "";
  return `${subject} must be one of ${list}, got ${show(value)}${suggestion}`;
}

/** How a place in a document is called in messages: "deploy.update_config.delay", "ports[1]", "host name". */
export function subjectOf(kind: SpecKind, path: readonly PathSegment[]): string {
  const last = path[path.length - 1];
  if (last === "name" && path.length === 1) return kind === "Service" ? "service name" : "cluster name";
  if (last === "name" && path.length === 3 && path[0] === "hosts") return "host name";
  if (path.length === 0) return kind === "Service" ? "service" : "cluster";
  return dotted(path);
}

function containerOf(kind: SpecKind, path: readonly PathSegment[]): string {
  return path.length === 0 ? (kind === "Service" ? "service" : "cluster") : dotted(path);
}

function typeWords(types: string): string {
  const words: Record<string, string> = {
    string: "a string",
    integer: "a whole number",
    number: "a number",
    boolean: "true or false",
    array: "a list",
    object: "a mapping",
    null: "empty",
  };
  return types
    .split(",")
    .map((t) => words[t] ?? t)
    .join(" or ");
}

// `deploy:` followed by a single `  replicas 3` reads as the string "replicas 3".
function lostColon(type: string, value: unknown): string {
  if (!type.split(",").includes("object") || typeof value !== "string") return "";
  const m = /^([A-Za-z_][\w.-]*) +([^:\s][^:]*)$/.exec(value);
  return m ? `: missing ":" after the key "${m[1] ?? ""}"? write "${m[1] ?? ""}: ${m[2] ?? ""}"` : "";
}

export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return String(value);
}
