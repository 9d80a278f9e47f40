// `gitfleet validate [DIR]`: what a pull request's CI job runs. Exit 0 when
// the repository would be applied, 1 with every problem listed when it would
// be rejected, 2 when the directory cannot be read.

import { join, relative, resolve } from "node:path";
import type { Command } from "commander";
import { readRepoDir, RepoDirError } from "../../adapters/system/read-dir.js";
import { ConfigError, loadOperatorConfig } from "../../config/index.js";
import { BASELINE_CEILING, type Ceiling } from "../../model/ceiling.js";
import type { DesiredState, RepoFiles, SpecError } from "../../model/spec.js";
import { formatSpecError, loadSpec } from "../../spec/index.js";
import { EXIT_INVALID, EXIT_OK, EXIT_USAGE } from "../exit-codes.js";
import { processIo, type CommandIo } from "../io.js";

export interface ValidateOptions {
  readonly json?: boolean;
  /** Operator configuration whose ceiling applies (default: the baseline ceiling). */
  readonly config?: string;
}

export function registerValidate(program: Command): void {
  program
    .command("validate")
    .description(
      "check a GitOps repository (cluster.yaml and services/) against every rule, as the operator would",
    )
    .argument("[dir]", "repository directory", ".")
    .option("--json", "print {valid, errors} as JSON on stdout")
    .option(
      "-c, --config <file>",
      "operator configuration whose ceiling applies, as the operator applies it (default: the baseline ceiling)",
    )
    .action(async (dir: string, options: ValidateOptions) => {
      process.exitCode = await validate(dir, options);
    });
}

/** Returns the exit code. */
export async function validate(
  dir: string,
  options: ValidateOptions,
  io: CommandIo = processIo,
): Promise<number> {
  let ceiling: Ceiling = BASELINE_CEILING;
  if (options.config !== undefined) {
    try {
      ceiling = (await loadOperatorConfig(options.config, { cwd: io.cwd })).ceiling;
    } catch (err) {
      const what = err instanceof ConfigError ? "invalid configuration" : "cannot read configuration";
      io.err(`gitfleet validate: ${what}:\n${String((err as Error).message)}\n`);
      return EXIT_USAGE;
    }
  }
  let files: RepoFiles;
  try {
    files = await readRepoDir(resolve(io.cwd, dir));
  } catch (e) {
    if (!(e instanceof RepoDirError)) throw e;
    io.err(`gitfleet validate: ${e.message.replace(resolve(io.cwd, dir), dir)}\n`);
    return EXIT_USAGE;
  }
  const result = loadSpec(files, { ceiling });
  const errors: readonly SpecError[] = result.ok ? [] : result.errors;
  if (options.json) {
    io.out(`${JSON.stringify({ valid: result.ok, errors }, null, 2)}\n`);
  } else if (result.ok) {
    io.out(`${dir}: valid: ${summary(result.state)}\n`);
  } else {
    // Paths relative to where the command runs, so editors and CI annotations can open them.
    const base = relative(io.cwd, resolve(io.cwd, dir));
    const lines = errors.map((e) =>
      formatSpecError({ ...e, path: base === "" ? e.path : join(base, e.path) }),
    );
    io.err(`${lines.join("\n")}\n`);
  }
  return result.ok ? EXIT_OK : EXIT_INVALID;
}

function summary({ cluster, services }: DesiredState): string {
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
  const names = services.length > 0 ? ` (${services.map((s) => s.name).join(", ")})` : "";
  return `cluster "${cluster.name}", ${plural(cluster.hosts.length, "host")}, ${plural(services.length, "service")}${names}`;
}
