// The JSON Schemas are a product of their own: editors load them, so they must
// be valid draft-07 (the dialect yaml-language-server implements), describe every key, agree with the loader's defaults, and
// accept the sample repository as it is.

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import {
  clusterSchema,
  DEFAULT_EDGE_IMAGE,
  DEFAULT_HOST_DOWN_AFTER_MS,
  DEFAULT_HOST_STABLE_AFTER_MS,
  DEFAULT_MAX_MOVES_PER_MINUTE,
  parseDuration,
  serviceSchema,
  SWARM_RESTART_DEFAULTS,
  SWARM_UPDATE_DEFAULTS,
} from "../../../src/spec/index.js";
import { EDITOR_KEYWORDS } from "../../../src/spec/editor-keywords.js";

const root = resolve(import.meta.dirname, "../../..");
const sample = join(root, "sample-repo");
const addFormats = (addFormatsModule as unknown as { default: (ajv: Ajv) => Ajv }).default;

function freshAjv(): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    strict: true,
    allowUnionTypes: true,
    strictTuples: false,
    strictRequired: false,
    keywords: [...EDITOR_KEYWORDS],
  });
  addFormats(ajv);
  return ajv;
}

function ms(text: unknown): number {
  const r = parseDuration(String(text));
  if (!r.ok) throw new Error(`schema default ${String(text)} is not a duration`);
  return r.value;
}

type Json = { [key: string]: unknown };
const obj = (v: unknown): Json => v as Json;

describe("the schemas", () => {
  it.each([
    ["service", serviceSchema],
    ["cluster", clusterSchema],
  ])("%s schema is valid JSON Schema draft-07", (_, schema) => {
    expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#");
    const ajv = freshAjv();
    expect(ajv.validateSchema(schema), ajv.errorsText(ajv.errors)).toBe(true);
    expect(() => ajv.compile(schema)).not.toThrow();
  });

  it.each([
    ["service", serviceSchema],
    ["cluster", clusterSchema],
  ])("%s schema also passes the draft-07 meta-schema, as yaml-language-server checks it", (_, schema) => {
    // yaml-language-server validates every schema it loads against draft-07's meta-schema
    // and resolves only local "#/..." pointers, merging siblings of $ref: stay within that.
    const ajv = new Ajv();
    const validate = ajv.getSchema("http://json-schema.org/draft-07/schema");
    expect(validate?.(schema), ajv.errorsText(validate?.errors)).toBe(true);
    const refs = JSON.stringify(schema).match(/"\$ref":"[^"]*"/g) ?? [];
    expect(refs.filter((r) => !r.startsWith('"$ref":"#/definitions/'))).toEqual([]);
  });

  it("shares the deploy definitions between both schemas, word for word", () => {
    for (const [name, def] of Object.entries(clusterSchema.definitions)) {
      const same = (serviceSchema.definitions as Record<string, unknown>)[name];
      if (same !== undefined) expect(def, `definitions/${name}`).toEqual(same);
    }
    expect(clusterSchema.definitions.deploy).toEqual(serviceSchema.definitions.deploy);
  });

  it.each([
    ["service", serviceSchema],
    ["cluster", clusterSchema],
  ])("%s schema gives every key a title or description for editors", (_, schema) => {
    const missing: string[] = [];
    const defs = obj(schema.definitions);
    const described = (s: Json): boolean => {
      if (s.title !== undefined || s.description !== undefined) return true;
      const ref = typeof s.$ref === "string" ? defs[s.$ref.replace("#/definitions/", "")] : undefined;
      return ref !== undefined && described(obj(ref));
    };
    const visit = (node: unknown, at: string): void => {
      if (typeof node !== "object" || node === null) return;
      const props = obj(node).properties;
      if (props !== undefined) {
        for (const [key, child] of Object.entries(obj(props))) {
          if (!described(obj(child))) missing.push(`${at}.${key}`);
        }
      }
      // An `if` only tests a value; it describes nothing an editor would offer.
      for (const [key, child] of Object.entries(obj(node))) if (key !== "if") visit(child, `${at}/${key}`);
    };
    visit(schema, "#");
    expect(missing).toEqual([]);
  });

  it("states the same defaults the loader applies", () => {
    const update = obj(serviceSchema.definitions.updateConfig.properties);
    expect({
      parallelism: obj(update.parallelism).default,
      delayMs: ms(obj(update.delay).default),
      order: obj(update.order).default,
      failureAction: obj(update.failure_action).default,
      monitorMs: ms(obj(update.monitor).default),
      maxFailureRatio: obj(update.max_failure_ratio).default,
    }).toEqual(SWARM_UPDATE_DEFAULTS);
    const restart = obj(obj(serviceSchema.definitions.deploy.properties.restart_policy).properties);
    expect({
      condition: obj(restart.condition).default,
      delayMs: ms(obj(restart.delay).default),
      maxAttempts: obj(restart.max_attempts).default,
      windowMs: ms(obj(restart.window).default),
    }).toEqual(SWARM_RESTART_DEFAULTS);
    const settings = obj(clusterSchema.properties.settings.properties);
    expect(ms(obj(settings.host_down_after).default)).toBe(DEFAULT_HOST_DOWN_AFTER_MS);
    expect(ms(obj(settings.host_stable_after).default)).toBe(DEFAULT_HOST_STABLE_AFTER_MS);
    expect(obj(settings.max_moves_per_minute).default).toBe(DEFAULT_MAX_MOVES_PER_MINUTE);
    expect(obj(clusterSchema.properties.edge.properties.image).default).toBe(DEFAULT_EDGE_IMAGE);
  });
});

describe("sample-repo against the schemas, directly with ajv", () => {
  const ajv = freshAjv();
  const validators = { Service: ajv.compile(serviceSchema), Cluster: ajv.compile(clusterSchema) };
  const files = ["cluster.yaml", ...readdirSync(join(sample, "services")).map((f) => `services/${f}`)];

  it.each(files)("%s validates", (file) => {
    const text = readFileSync(join(sample, file), "utf8");
    for (const doc of parseAllDocuments(text, { merge: true }) as unknown as Iterable<{ toJS(): Json }>) {
      const value = doc.toJS();
      const validate = validators[value.kind as "Service" | "Cluster"];
      expect(validate(value), ajv.errorsText(validate.errors)).toBe(true);
    }
  });

  it.each(files)("%s names a schema that exists next to it", (file) => {
    const first = readFileSync(join(sample, file), "utf8").split("\n")[0] ?? "";
    const m = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
    expect(m, "first line names the schema").not.toBeNull();
    const target = resolve(dirname(join(sample, file)), m?.[1] ?? "");
    const expected = file === "cluster.yaml" ? "cluster.schema.json" : "service.schema.json";
    expect(target).toBe(join(sample, "schemas", expected));
  });

  it.each(["cluster.schema.json", "service.schema.json"])(
    "sample-repo/schemas/%s is a copy of schemas/",
    (name) => {
      // sample-repo can be copied out as a repository of its own, so it carries the schemas
      // its files point at. After changing schemas/: cp schemas/*.json sample-repo/schemas/
      expect(readFileSync(join(sample, "schemas", name), "utf8")).toBe(
        readFileSync(join(root, "schemas", name), "utf8"),
      );
    },
  );
});
