// The real command line in a child process, as `npm exec gitfleet` runs the built one: exit
// code, stdout and stderr as a user sees them.
//
// The sources are transpiled once per test file (esbuild, what tsx does to each file at
// every start, and the layout of `npm run build`: dist/ beside package.json, schemas/ and
// sample-repo/) and each run is plain node. Under tsx a run cost 1.3 s of CPU before doing
// anything (its loader hooks, per module, in a worker thread) against 0.45 s: at load 30 a
// test file of twenty runs took over ten minutes.

import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { afterAll } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const PREFIX = "gitfleet-cli-";

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let built: Promise<string> | undefined;
let buildDir: string | undefined;

// Registered while the importing test file is collected: its build goes when the file is done.
// (vitest ends its workers with SIGTERM, before any exit handler could run.)
afterAll(() => {
  if (buildDir !== undefined) rmSync(buildDir, { recursive: true, force: true });
  buildDir = undefined;
  built = undefined; // a next file in this process (vitest without isolation) builds its own
});

/** The entry point of this test file's build of src/, built on first use. */
function builtMain(): Promise<string> {
  built ??= (async () => {
    removeOrphans();
    const dir = mkdtempSync(join(tmpdir(), `${PREFIX}${process.pid}-`));
    buildDir = dir;
    for (const name of ["package.json", "node_modules", "schemas", "sample-repo"]) {
      symlinkSync(join(root, name), join(dir, name));
    }
    const sources = readdirSync(join(root, "src"), { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".ts"))
      .map((f) => join(root, "src", f));
    await build({
      entryPoints: sources,
      outdir: join(dir, "dist"),
      outbase: join(root, "src"),
      format: "esm",
      platform: "node",
      target: `node${process.versions.node}`, // keeps the import attributes of the JSON imports
      tsconfig: join(root, "tsconfig.build.json"),
      logLevel: "silent",
    });
    return join(dir, "dist/cli/main.js");
  })();
  return built;
}

/** Builds left by test processes that were killed before the afterAll above ran. */
function removeOrphans(): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(PREFIX)) continue;
    const pid = Number(name.slice(PREFIX.length).split("-")[0]);
    if (!Number.isInteger(pid) || pid === process.pid || alive(pid)) continue;
    rmSync(join(tmpdir(), name), { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export async function gitfleet(
  args: readonly string[],
  options: { readonly cwd?: string; readonly env?: NodeJS.ProcessEnv; readonly timeoutMs?: number } = {},
): Promise<CliRun> {
  const main = await builtMain();
  return new Promise((done) => {
    execFile(
      process.execPath,
      [main, ...args],
      {
        cwd: options.cwd ?? root,
        env: { ...process.env, ...options.env },
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        done({ code, stdout, stderr });
      },
    );
  });
}
