// `gitfleet init` through the real CLI: what it writes validates with no
// errors and no warnings, and a second run refuses to overwrite (exit 2)
// without touching anything, unless --force. Each spawns tsx a few times:
// slow on a loaded machine, hence the longer timeouts.

import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../../..");
const main = join(root, "src/cli/main.ts");
const tsx = pathToFileURL(join(root, "node_modules/tsx/dist/loader.mjs")).href;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function gitfleet(args: readonly string[], cwd: string = root): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, ["--import", tsx, main, ...args], { cwd }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      done({ code, stdout, stderr });
    });
  });
}

describe("gitfleet init", () => {
  let dir: string;
  beforeEach(async () => {
    dir = join(await mkdtemp(join(tmpdir(), "gitfleet-init-")), "fleet");
  });
  afterEach(async () => {
    await rm(resolve(dir, ".."), { recursive: true, force: true });
  });

  it("writes a starting repository that validates with no errors and no warnings", async () => {
    const made = await gitfleet(["init", dir]);
    expect(made.stderr).toBe("");
    expect(made.code).toBe(0);
    const cluster = await readFile(join(dir, "cluster.yaml"), "utf8");
    expect(cluster).toContain("docker: unix:///var/run/docker.sock");
    expect(cluster).toContain("address: 127.0.0.1");
    const hello = await readFile(join(dir, "services/hello.yaml"), "utf8");
    expect(hello).toMatch(/must be reachable from the hosts/);
    expect(await readFile(join(dir, "README.md"), "utf8")).toContain("gitfleet validate");
    expect(await readFile(join(dir, ".vscode/settings.json"), "utf8")).toBe(
      await readFile(join(root, "sample-repo/.vscode/settings.json"), "utf8"),
    );
    expect(await readFile(join(dir, "schemas/service.schema.json"), "utf8")).toBe(
      await readFile(join(root, "schemas/service.schema.json"), "utf8"),
    );

    const checked = await gitfleet(["validate", "--json", dir]);
    expect(checked.code).toBe(0);
    const report = JSON.parse(checked.stdout) as { valid: boolean; errors: unknown[]; warnings: unknown[] };
    expect(report).toMatchObject({ valid: true, errors: [], warnings: [] });
  }, 30_000);

  it("refuses to overwrite without --force (exit 2, nothing changed), and overwrites with it", async () => {
    expect((await gitfleet(["init", dir])).code).toBe(0);
    await writeFile(join(dir, "cluster.yaml"), "kind: Cluster # mine\n");
    await rm(join(dir, "README.md"));

    const again = await gitfleet(["init", dir]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(
      /not overwriting existing files: .*cluster\.yaml.*nothing was written.*--force/,
    );
    expect(await readFile(join(dir, "cluster.yaml"), "utf8")).toBe("kind: Cluster # mine\n");
    await expect(readFile(join(dir, "README.md"), "utf8")).rejects.toThrow(/ENOENT/);

    const forced = await gitfleet(["init", "--force", dir]);
    expect(forced.code).toBe(0);
    expect(await readFile(join(dir, "cluster.yaml"), "utf8")).toContain("unix:///var/run/docker.sock");
  }, 30_000);
});
