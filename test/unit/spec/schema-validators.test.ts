// The spec schemas' validation is ajv standalone code generated ahead of time
// (scripts/schema-validators.ts): a schema changed without regenerating it
// would be validated by the old schema. This fails until it is regenerated.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  GENERATED,
  GENERATED_CONFIG,
  generateConfigValidator,
  generateValidators,
} from "../../../scripts/schema-validators.js";
import { schemaProblems } from "../../../src/config/schema.js";
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

  it("include the operator configuration's, as scripts/schema-validators.ts generates it now", () => {
    const committed = readFileSync(GENERATED_CONFIG, "utf8");
    expect(
      committed === generateConfigValidator(),
      "src/config/schema-validator.generated.ts is stale: run `npx tsx scripts/schema-validators.ts`",
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

  it("check the operator configuration with every error, as compiling its schema did", () => {
    // Two faults in one file: both reported (allErrors), each with its schema node (verbose).
    const problems = schemaProblems({
      repository: { url: "https://git.example/fleet.git" },
      poll: 5,
      tasks: { per_host: 0 },
    });
    expect(problems.map((p) => p.pointer).sort()).toEqual(["/poll", "/tasks/per_host"]);
    expect(schemaProblems({ repository: { url: "https://git.example/fleet.git" }, pol: "10s" })).toEqual([
      expect.objectContaining({ pointer: "/pol", atKey: true, message: expect.stringContaining("poll") }),
    ]);
  });
});
