// The JSON contract through the real command line, for the ways out that
// used to print only on stderr: a configuration that cannot be loaded, an
// unreadable directory, the operator configuration's warnings. Every one is a
// single document on stdout that its schema accepts, errors and warnings in it.

import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import planSchema from "../../../schemas/plan-output.schema.json" with { type: "json" };
import validateSchema from "../../../schemas/validate-output.schema.json" with { type: "json" };
import { gitfleet } from "../../support/cli.js";

const root = resolve(import.meta.dirname, "../../..");
const ajv = new Ajv2020({ strict: true, allErrors: true });
const checkValidate = ajv.compile(validateSchema);
const checkPlan = ajv.compile(planSchema);

interface Doc {
  readonly errors: { path: string; line: number; col: number; code: string; message: string }[];
  readonly warnings: { path: string; line: number; col: number; code: string; message: string }[];
}

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gitfleet-json-cli-"));
  await mkdir(join(dir, "secrets"), { mode: 0o700 });
  // Loads, with one warning: a webhook without a secret is not started.
  await writeFile(
    join(dir, "warned.yaml"),
    `repository: {path: ${join(root, "sample-repo")}}\nsecrets_dir: ./secrets\nwebhook: {listen: "127.0.0.1:0"}\n`,
  );
  // A repository whose one host cannot be reached.
  await mkdir(join(dir, "repo/services"), { recursive: true });
  await writeFile(
    join(dir, "repo/cluster.yaml"),
    `kind: Cluster\nname: t\nhosts:\n  - name: gone\n    docker: unix://${join(dir, "none.sock")}\n    address: 127.0.0.1\n`,
  );
  await writeFile(join(dir, "repo/services/web.yaml"), "kind: Service\nname: web\nimage: web:1\n");
  await writeFile(join(dir, "broken.yaml"), "repository: {path: /r}\npoll: 'x'\npoll: 'y'\n");
  await chmod(join(dir, "warned.yaml"), 0o600);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function parsed(stdout: string): Doc {
  expect(stdout.trim().startsWith("{")).toBe(true);
  return JSON.parse(stdout) as Doc;
}

describe("--json through the real CLI", () => {
  it("validate -c with a broken configuration: exit 2, its errors at path:line:col in the document", async () => {
    const r = await gitfleet(["validate", "sample-repo", "--json", "-c", join(dir, "broken.yaml")]);
    expect(r.code).toBe(2);
    const doc = parsed(r.stdout);
    expect(checkValidate(doc), JSON.stringify(checkValidate.errors)).toBe(true);
    expect(doc.errors).toEqual([
      {
        path: join(dir, "broken.yaml"),
        line: 3,
        col: 1,
        code: "config-duplicate-key",
        message: 'key "poll" is set twice in this mapping (first at line 2, column 1)',
      },
    ]);
    expect(r.stderr).toContain(`${join(dir, "broken.yaml")}:3:1: key "poll" is set twice`);
  }, 90_000);

  it("validate -c: the configuration's warnings sit beside the spec's; --strict fails on them", async () => {
    const r = await gitfleet(["validate", "repo", "--json", "-c", "warned.yaml"], { cwd: dir });
    expect(r.stderr).toContain("[webhook-without-secret]");
    const doc = parsed(r.stdout);
    expect(checkValidate(doc), JSON.stringify(checkValidate.errors)).toBe(true);
    expect(doc.warnings).toEqual([
      expect.objectContaining({ path: "warned.yaml", line: 3, code: "webhook-without-secret" }),
    ]);
    expect(r.code).toBe(0);
    const strict = await gitfleet(["validate", "repo", "--json", "--strict", "-c", "warned.yaml"], {
      cwd: dir,
    });
    expect(strict.code).toBe(1);
    expect(parsed(strict.stdout)).toMatchObject({ valid: false });
  }, 90_000);

  it("validate --json on a directory that is not there: exit 2, relative as given", async () => {
    const r = await gitfleet(["validate", "no/such/dir", "--json"], { cwd: dir });
    expect(r.code).toBe(2);
    const doc = parsed(r.stdout);
    expect(checkValidate(doc), JSON.stringify(checkValidate.errors)).toBe(true);
    expect(doc.errors).toMatchObject([{ path: "", code: "repo-dir-unreadable" }]);
    expect(doc.errors[0]?.message).not.toContain(dir);
  }, 90_000);

  it("plan --json with a configuration that is missing or broken: exit 2, a document with the errors", async () => {
    const cases: readonly (readonly [string, string])[] = [
      ["missing.yaml", "config-file-unreadable"],
      ["broken.yaml", "config-duplicate-key"],
    ];
    for (const [config, code] of cases) {
      const r = await gitfleet(["plan", "--json", "-c", config], { cwd: dir });
      expect(r.code).toBe(2);
      const doc = parsed(r.stdout);
      expect(checkPlan(doc), JSON.stringify(checkPlan.errors)).toBe(true);
      expect(doc.errors.length).toBe(1);
      expect(doc.errors[0]).toMatchObject({ path: config, code });
    }
  }, 120_000);

  it("plan --json on an unreadable directory: exit 2, the error in the document", async () => {
    const r = await gitfleet(["plan", "no/such/dir", "--json"], { cwd: dir });
    expect(r.code).toBe(2);
    const doc = parsed(r.stdout);
    expect(checkPlan(doc), JSON.stringify(checkPlan.errors)).toBe(true);
    expect(doc.errors).toMatchObject([{ path: "", line: 0, col: 0, code: "repo-dir-unreadable" }]);
  }, 90_000);

  it("plan --json -c: the configuration's warnings are in the document, with the hosts it could not see", async () => {
    const r = await gitfleet(["plan", "repo", "--json", "-c", "warned.yaml"], { cwd: dir });
    const doc = parsed(r.stdout);
    expect(checkPlan(doc), JSON.stringify(checkPlan.errors)).toBe(true);
    expect(doc.warnings.map((w) => `${w.path}:${w.line} ${w.code}`)).toContain(
      "warned.yaml:3 webhook-without-secret",
    );
    // The repository's host cannot be reached: no plan, said in the same document.
    expect(r.code).toBe(4);
    expect(doc).toMatchObject({ unobserved_hosts: expect.arrayContaining([expect.anything()]) });
  }, 120_000);
});
