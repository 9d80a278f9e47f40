// The spec schemas' validation is ajv standalone code generated ahead of time
// (scripts/schema-validators.ts): a schema changed without regenerating it
// would be validated by the old schema. This fails until it is regenerated.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GENERATED, generateValidators } from "../../../scripts/schema-validators.js";
import { serviceSchema, validateAgainstSchema } from "../../../src/spec/schemas.js";

describe("generated schema validators", () => {
  it("are what scripts/schema-validators.ts generates from the schemas now", () => {
    const committed = readFileSync(GENERATED, "utf8");
    // One assertion on a boolean: a diff of 190 kB of generated code says nothing useful.
    expect(
      committed === generateValidators(),
      "src/spec/schema-validators.generated.ts is stale: run `npx tsx scripts/schema-validators.ts`",
    ).toBe(true);
  }, 60_000);

  it("report the schema's own nodes (the messages find their hints by them)", () => {
    const errors = validateAgainstSchema("Service", {
      kind: "Service",
      name: "web",
      image: "nginx:1.27",
      healthcheck: { interval: "soon" },
    });
    const node = errors.find((e) => e.instancePath === "/healthcheck/interval")?.parentSchema;
    expect(node).toBe(serviceSchema.definitions.duration);
  });
});
