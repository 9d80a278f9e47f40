// `gitfleet run` given a repository URL with credentials in it: the start-up
// line and every other line name the repository without them (issue 12).

import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { clusterYaml } from "../../support/git-fixtures.js";
import { PASSWORD, USER, startHarness, type Harness } from "./harness.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ "cluster.yaml": clusterYaml() });
});
afterAll(async () => h?.close());

it("logs the repository URL without its user and password", async () => {
  const withCredentials = h.url.replace("http://", `http://${USER}:${PASSWORD}@`);
  const config = path.join(h.dir, "gitfleet.yaml");
  await writeFile(
    config,
    [
      `repository: {url: "${withCredentials}"}`,
      `work_dir: ${path.join(h.dir, "cache")}`,
      `secrets_dir: ${path.join(h.dir, "secrets")}`,
      "",
    ].join("\n"),
  );
  const out = await new Promise<string>((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", path.join(ROOT, "src/cli/main.ts"), "run", "--once", "--config", config],
      { cwd: ROOT, timeout: 60_000 },
      (_err, stdout, stderr) => resolve(stdout + stderr),
    );
  });
  expect(out).toContain('"msg":"gitfleet starting"');
  expect(out).toContain(`"repository":"${h.url}"`);
  expect(out).not.toContain(PASSWORD);
}, 90_000);
