// `gitfleet init [DIR]`: writes a minimal starting repository. Never
// overwrites: if any file it would write exists, nothing is written (exit 2)
// unless --force.

import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import type { Command } from "commander";
import { EXIT_OK, EXIT_USAGE } from "../exit-codes.js";
import { STARTER_FILES } from "../init/starter-files.js";
import { processIo, type CommandIo } from "../io.js";

/** The package root (src/cli/commands or dist/cli/commands, three levels up): schemas and sample-repo ship there. */
const PACKAGE_ROOT = new URL("../../../", import.meta.url);

export interface InitOptions {
  readonly force?: boolean;
}

export function registerInit(program: Command): void {
  program
    .command("init")
    .description(
      "write a minimal starting repository (cluster.yaml, services/hello.yaml, README.md, editor schemas)",
    )
    .argument("[dir]", "directory to write into (created if missing)", ".")
    .option("--force", "overwrite files that already exist")
    .action(async (dir: string, options: InitOptions) => {
      process.exitCode = await init(dir, options);
    });
}

/** Returns the exit code. */
export async function init(dir: string, options: InitOptions, io: CommandIo = processIo): Promise<number> {
  const root = resolve(io.cwd, dir);
  const shown = (p: string): string => relative(io.cwd, join(root, p)) || ".";
  if (options.force !== true) {
    const existing: string[] = [];
    for (const f of STARTER_FILES) if (await exists(join(root, f.path))) existing.push(shown(f.path));
    if (existing.length > 0) {
      io.err(
        `gitfleet init: not overwriting existing files: ${existing.join(", ")}; nothing was written (use --force to overwrite them)\n`,
      );
      return EXIT_USAGE;
    }
  }
  for (const f of STARTER_FILES) {
    const target = join(root, f.path);
    const content =
      "text" in f.content ? f.content.text : await readFile(new URL(f.content.copyOf, PACKAGE_ROOT));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
    io.out(`wrote ${shown(f.path)}\n`);
  }
  io.out(`\nNext: edit cluster.yaml and services/, then run: gitfleet validate ${dir}\n`);
  return EXIT_OK;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
