// The operator's process as production starts it, for the e2e worlds and the
// benches: node with the flags of src/daemon/node-flags.ts (the image's
// ENTRYPOINT, the systemd unit's NODE_OPTIONS) and gitfleet's command line,
// from the sources through tsx or from a build made as `npm run build` makes
// it. This module is the only one of the files the benches run that names
// gitfleet's entry point (test/unit/misc/operator-process.test.ts holds them to
// it), so no bench starts the operator without the flags.

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, symlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { OPERATOR_NODE_FLAGS } from "../../src/daemon/node-flags.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * Node's arguments for `gitfleet ARGS`: the operator's flags, then `main` (a built
 * dist/cli/main.js, as an installed gitfleet runs) or the sources through tsx.
 */
export function operatorArgv(args: readonly string[], main?: string): string[] {
  const entry = main === undefined ? ["--import", "tsx", path.join(ROOT, "src/cli/main.ts")] : [main];
  return [...OPERATOR_NODE_FLAGS, ...entry, ...args];
}

/**
 * Start `gitfleet ARGS` in the repository's folder with debug logs; everything it prints
 * (stdout and stderr) goes to `onOutput`.
 */
export function spawnOperator(
  args: readonly string[],
  options: { readonly main?: string; readonly onOutput: (text: string) => void },
): ChildProcess {
  const child = spawn(process.execPath, operatorArgv(args, options.main), {
    cwd: ROOT,
    env: { ...process.env, GITFLEET_LOG_LEVEL: "debug" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d: Buffer) => options.onOutput(d.toString()));
  child.stderr?.on("data", (d: Buffer) => options.onOutput(d.toString()));
  return child;
}

/**
 * gitfleet as installed: `tsc -p tsconfig.build.json` (what `npm run build` does) into a
 * scratch folder beside links to schemas/, package.json and node_modules/, so the operator
 * starts as `node dist/cli/main.js`, not through tsx (which transpiles at every start).
 * `dir` is the scratch folder, for the caller to remove.
 */
export async function buildOperator(log: (line: string) => void): Promise<{ main: string; dir: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "gitfleet-cold-"));
  log(`building dist into ${dir}`);
  const tsc = path.join(ROOT, "node_modules/typescript/bin/tsc");
  await promisify(execFile)(process.execPath, [
    tsc,
    "-p",
    path.join(ROOT, "tsconfig.build.json"),
    "--outDir",
    path.join(dir, "dist"),
  ]);
  for (const f of ["schemas", "package.json", "node_modules"])
    await symlink(path.join(ROOT, f), path.join(dir, f));
  return { main: path.join(dir, "dist/cli/main.js"), dir };
}
