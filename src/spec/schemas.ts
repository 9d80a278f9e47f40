// The two JSON Schemas (schemas/*.schema.json, shared with editors; draft-07), compiled
// once at module load. They are imported as JSON modules rather than read from
// disk so this layer stays free of the filesystem; src/ and dist/ sit at the
// same depth, so "../../schemas" resolves under both tsx and the tsc build.

import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { EDITOR_KEYWORDS } from "./editor-keywords.js";
import addFormatsModule from "ajv-formats";
import clusterSchema from "../../schemas/cluster.schema.json" with { type: "json" };
import serviceSchema from "../../schemas/service.schema.json" with { type: "json" };

export { clusterSchema, serviceSchema };

export type SpecKind = "Service" | "Cluster";

// ajv-formats is CommonJS with `exports.default`; under NodeNext the default
// import is the module object, whose `default` is the plugin.
type FormatsPlugin = (ajv: Ajv) => Ajv;
const addFormats = (addFormatsModule as unknown as { default: FormatsPlugin }).default;

function compile(): Record<SpecKind, ValidateFunction> {
  // Draft-07, the dialect yaml-language-server implements, so editors check
  // exactly what the loader checks.
  const ajv = new Ajv({
    allErrors: true,
    // verbose: errors carry their schema node, which is how messages.ts knows a
    // failing value was meant to be a duration, a size, a DNS label, ...
    verbose: true,
    strict: true,
    allowUnionTypes: true, // Compose's "string or list", "map or list" forms
    strictTuples: false, // healthcheck.test: a first word, then any strings
    strictRequired: false, // volume: `then: {required: [source]}`
    keywords: [...EDITOR_KEYWORDS],
  });
  addFormats(ajv);
  return { Service: ajv.compile(serviceSchema), Cluster: ajv.compile(clusterSchema) };
}

const validators = compile();

/** Schema errors for one document's value; empty when it conforms. */
export function validateAgainstSchema(kind: SpecKind, value: unknown): readonly ErrorObject[] {
  const validate = validators[kind];
  return validate(value) ? [] : [...(validate.errors ?? [])];
}
