// The two JSON Schemas (schemas/*.schema.json, shared with editors; draft-07).
// They are imported as JSON modules rather than read from disk so this layer
// stays free of the filesystem; src/ and dist/ sit at the same depth, so
// "../../schemas" resolves under both tsx and the tsc build. Validation runs
// ajv's standalone code for them, generated ahead of time
// (scripts/schema-validators.ts, with the ajv options it lists): compiling the
// schemas when a process starts cost 0.4 to 0.5 s of CPU in every spec loader
// worker. Its verbose errors carry the nodes of these very objects.

import type { ErrorObject } from "ajv";
import clusterSchema from "../../schemas/cluster.schema.json" with { type: "json" };
import serviceSchema from "../../schemas/service.schema.json" with { type: "json" };
import { Cluster, Service } from "./schema-validators.generated.js";

export { clusterSchema, serviceSchema };

export type SpecKind = "Service" | "Cluster";

interface Validator {
  (value: unknown): boolean;
  errors?: ErrorObject[] | null;
}

const validators: Record<SpecKind, Validator> = { Service, Cluster };

/** Schema errors for one document's value; empty when it conforms. */
export function validateAgainstSchema(kind: SpecKind, value: unknown): readonly ErrorObject[] {
  const validate = validators[kind];
  return validate(value) ? [] : [...(validate.errors ?? [])];
}
