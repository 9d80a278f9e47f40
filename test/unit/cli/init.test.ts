// `gitfleet init`: what it writes validates with no errors and no warnings,
// and a second run refuses to overwrite (exit 2) without touching anything,
// unless --force. The real CLI is spawned (through tsx) for the process
// contract (exit codes, stderr, the --force flag); the rest runs in-process, since each
// spawn costs seconds of CPU on a machine the whole suite shares.

import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { init } from "../../../src/cli/commands/init.js";
import { validate } from "../../../src/cli/commands/validate.js";
import type { CommandIo } from "../../../src/cli/io.js";

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

/** Output of a command run in-process. */
function captured(): { io: CommandIo; out: () => string; err: () => string } {
  let out = "";
  let err = "";
  const io: CommandIo = { out: (t) => void (out += t), err: (t) => void (err += t), cwd: root };
  return { io, out: () => out, err: () => err };
}

// A deadline against hangs: a spawn can take a minute when the suite shares two busy cores.
describe("gitfleet init", { timeout: 180_000 }, () => {
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

    const checked = captured();
    expect(await validate(dir, { json: true }, checked.io)).toBe(0);
    const report = JSON.parse(checked.out()) as { valid: boolean; errors: unknown[]; warnings: unknown[] };
    expect(report).toMatchObject({ valid: true, errors: [], warnings: [] });
  });

  it("refuses to overwrite without --force (exit 2, nothing changed), and overwrites with it", async () => {
    expect(await init(dir, {}, captured().io)).toBe(0);
    await writeFile(join(dir, "cluster.yaml"), "kind: Cluster # mine\n");
    await rm(join(dir, "README.md"));

    const again = await gitfleet(["init", dir]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(
      /not overwriting existing files: .*cluster\.yaml.*nothing was written.*--force/,
    );
    expect(await readFile(join(dir, "cluster.yaml"), "utf8")).toBe("kind: Cluster # mine\n");
    await expect(readFile(join(dir, "README.md"), "utf8")).rejects.toThrow(/ENOENT/);

    expect((await gitfleet(["init", "--force", dir])).code).toBe(0);
    expect(await readFile(join(dir, "cluster.yaml"), "utf8")).toContain("unix:///var/run/docker.sock");
  });
});
