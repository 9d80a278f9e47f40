// The --json outputs are a contract: each document, valid or not, matches its
// JSON Schema in schemas/ (format_version, snake_case fields, errors and
// warnings in the same document, paths relative to the repository root).

import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import planSchema from "../../../schemas/plan-output.schema.json" with { type: "json" };
import validateSchema from "../../../schemas/validate-output.schema.json" with { type: "json" };
import { planCommand } from "../../../src/cli/commands/plan.js";
import { validate } from "../../../src/cli/commands/validate.js";
import type { CommandIo } from "../../../src/cli/io.js";

const root = resolve(import.meta.dirname, "../../..");
const ajv = new Ajv2020({ strict: true, allErrors: true });
const checkValidate = ajv.compile(validateSchema);
const checkPlan = ajv.compile(planSchema);

function capture(cwd: string): { io: CommandIo; out: () => string } {
  let out = "";
  return { io: { out: (t) => void (out += t), err: () => undefined, cwd }, out: () => out };
}

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gitfleet-contract-"));
  await mkdir(join(dir, "repo/services"), { recursive: true });
  await writeFile(
    join(dir, "repo/cluster.yaml"),
    `kind: Cluster\nname: t\nhosts:\n  - name: gone\n    docker: unix://${join(dir, "none.sock")}\n    address: 127.0.0.1\n`,
  );
  await writeFile(
    join(dir, "repo/services/web.yaml"),
    "kind: Service\nname: web\nimage: web:1\ndeploy: {resources: {limits: {memory: 64}}}\n",
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the JSON contract", () => {
  it.each([
    ["a valid repository", "sample-repo", 0],
    ["an invalid one, from another working directory", "test/fixtures/spec/invalid-repo", 1],
    ["an unreadable directory", "no/such/dir", 2],
  ])("validate --json of %s matches schemas/validate-output.schema.json", async (_what, target, code) => {
    const c = capture(tmpdir());
    expect(await validate(resolve(root, target), { json: true }, c.io)).toBe(code);
    const doc: unknown = JSON.parse(c.out());
    expect(checkValidate(doc), JSON.stringify(checkValidate.errors)).toBe(true);
    // Paths relative to the repository root, whatever the working directory.
    for (const e of (doc as { errors: { path: string }[] }).errors) expect(e.path).not.toMatch(/^(\.|\/)/);
  });

  it("validate --json puts warnings beside errors", async () => {
    const c = capture(dir);
    expect(await validate("repo", { format: "json" }, c.io)).toBe(0);
    const doc = JSON.parse(c.out()) as { warnings: { path: string; code: string }[] };
    expect(doc.warnings.map((w) => `${w.path} ${w.code}`)).toEqual(["services/web.yaml size-without-unit"]);
  });

  it("plan --json matches schemas/plan-output.schema.json with and without a plan", async () => {
    const none = capture(dir);
    expect(await planCommand("repo", { format: "json" }, none.io)).toBe(4);
    const partial = capture(dir);
    expect(await planCommand("repo", { format: "json", allowPartial: true }, partial.io)).toBe(0);
    const invalid = capture(root);
    expect(await planCommand("test/fixtures/spec/invalid-repo", { json: true }, invalid.io)).toBe(1);
    // --strict: the same plan fails on its warning.
    expect(await planCommand("repo", { allowPartial: true, strict: true }, capture(dir).io)).toBe(1);
    for (const out of [none.out(), partial.out(), invalid.out()]) {
      const doc: unknown = JSON.parse(out);
      expect(checkPlan(doc), JSON.stringify(checkPlan.errors)).toBe(true);
    }
    expect(JSON.parse(partial.out())).toMatchObject({
      format_version: 1,
      partial: true,
      unobserved_hosts: [{ host: "gone" }],
      services: [{ name: "web", action: "create" }],
      warnings: [{ path: "services/web.yaml", line: 4, code: "size-without-unit" }],
    });
  });
});
