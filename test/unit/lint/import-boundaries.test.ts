// The import boundary, and the length of functions, are enforced by `npm run
// lint` (eslint.config.js): these lint virtual files placed in the tree, so a
// rule that stopped matching (a moved folder, a pattern that never fires)
// fails here and not in review.

import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";
import { beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../..", import.meta.url));
let eslint: ESLint;

// Loading the configuration (typescript-eslint) takes seconds on a busy machine: once, up front.
beforeAll(async () => {
  eslint = new ESLint({ cwd: root });
  await eslint.lintText("export {};\n", { filePath: `${root}/src/reconcile/warm-up.ts` });
}, 120_000);

/** The rules that fired on `code` as if it were the file at `path` (repository-relative). */
async function violations(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}/${path}` });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe("the import boundary", { timeout: 30_000 }, () => {
  it("fails a dockerode import in the reconcile pass", async () => {
    const code = 'import Docker from "dockerode";\nexport const d = new Docker();\n';
    expect(await violations("src/reconcile/fixture.ts", code)).toEqual(["no-restricted-imports"]);
  });

  it("fails isomorphic-git, node:fs, node:http and pino outside the adapters", async () => {
    for (const [path, module] of [
      ["src/execute/fixture.ts", "isomorphic-git"],
      ["src/observe/fixture.ts", "node:fs/promises"],
      ["src/report/fixture.ts", "node:http"],
      ["src/daemon/operator-fixture.ts", "pino"],
      ["src/schedule/fixture.ts", "node:net"],
    ] as const) {
      const code = `import * as m from "${module}";\nexport const x = m;\n`;
      expect(await violations(path, code), `${module} in ${path}`).toEqual(["no-restricted-imports"]);
    }
  });

  it("fails an adapter imported by the effects side or the pure core", async () => {
    const code =
      'import { createDockerDriver } from "../adapters/docker/driver.js";\nexport const c = createDockerDriver;\n';
    expect(await violations("src/reconcile/fixture.ts", code)).toEqual(["no-restricted-imports"]);
    expect(await violations("src/plan/fixture.ts", code)).toEqual(["no-restricted-imports"]);
    const deeper =
      'import { EdgeError } from "../../adapters/edge/errors.js";\nexport const e = EdgeError;\n';
    expect(await violations("src/execute/edge/fixture.ts", deeper)).toEqual(["no-restricted-imports"]);
  });

  it("lets the adapters and the process wiring import them", async () => {
    const docker = 'import Docker from "dockerode";\nexport const d = new Docker();\n';
    expect(await violations("src/adapters/docker/fixture.ts", docker)).toEqual([]);
    const wiring =
      'import { readFile } from "node:fs/promises";\nimport { x } from "../adapters/system/clock.js";\nexport const r = [readFile, x];\n';
    expect(await violations("src/daemon/bootstrap.ts", wiring)).toEqual([]);
    expect(await violations("src/cli/fixture.ts", wiring)).toEqual([]);
  });

  it("lets the effects side import ports and the pure core", async () => {
    const code =
      'import type { HostDriver } from "../ports/host.js";\nimport { plan } from "../plan/index.js";\nexport const p: [typeof plan, HostDriver?] = [plan];\n';
    expect(await violations("src/reconcile/fixture.ts", code)).toEqual([]);
  });
});

describe("functions longer than a screen", { timeout: 30_000 }, () => {
  /** A function of `n` statements, blank lines and comments between them (which do not count). */
  const fn = (n: number, before = ""): string =>
    `${before}export function long(): number {\n  let x = 0;\n${"\n  // a comment\n  x += 1;\n".repeat(n - 2)}  return x;\n}\n`;

  it("fail lint in src without a reason beside them, pass with one, and are counted without blanks and comments", async () => {
    expect(await violations("src/plan/fixture.ts", fn(51))).toEqual(["max-lines-per-function"]);
    expect(await violations("src/plan/fixture.ts", fn(48))).toEqual([]);
    const justified = fn(51, "// eslint-disable-next-line max-lines-per-function -- a table of fields\n");
    expect(await violations("src/plan/fixture.ts", justified)).toEqual([]);
  });
});
