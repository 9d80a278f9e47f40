// `gitfleet validate [DIR]`: what a pull request's CI job runs. Exit 0 when
// the repository would be applied, 1 with every problem listed when it would
// be rejected (or, with --strict, when it has warnings), 2 when the directory
// cannot be read. Warnings never fail a run without --strict.

import { join, relative, resolve } from "node:path";
import { Option, type Command } from "commander";
import { readRepoDir, RepoDirError } from "../../adapters/system/read-dir.js";
import { ConfigError, formatConfigWarning, loadOperatorConfig } from "../../config/index.js";
import { BASELINE_CEILING, type Ceiling } from "../../model/ceiling.js";
import type { DesiredState, RepoFiles, SpecError } from "../../model/spec.js";
import {
  DEFAULT_SPEC_LIMITS,
  formatSpecError,
  formatSpecWarning,
  loadSpec,
  type SpecLimits,
} from "../../spec/index.js";
import { cliError, configErrors, configWarnings, diagnostic, type Diagnostic } from "../diagnostics.js";
import { EXIT_INVALID, EXIT_OK, EXIT_USAGE } from "../exit-codes.js";
import { processIo, type CommandIo } from "../io.js";

export const VALIDATE_FORMAT_VERSION = 1;

export type ValidateFormat = "text" | "json" | "github";

export interface ValidateOptions {
  readonly json?: boolean;
  /** Operator configuration whose ceiling applies (default: the baseline ceiling). */
  readonly config?: string;
  readonly format?: ValidateFormat;
  readonly strict?: boolean;
}

export function registerValidate(program: Command): void {
  program
    .command("validate")
    .description(
      "check a GitOps repository (cluster.yaml and services/) against every rule, as the operator would",
    )
    .argument("[dir]", "repository directory", ".")
    .addOption(
      new Option("--format <format>", "text, json, or github (workflow annotations)").choices([
        "text",
        "json",
        "github",
      ]),
    )
    .option("--json", "same as --format json: {format_version, valid, errors, warnings} on stdout")
    .option("--strict", "treat warnings as errors (exit 1), for CI")
    .option(
      "-c, --config <file>",
      "operator configuration whose ceiling applies, as the operator applies it (default: the baseline ceiling)",
    )
    .action(async (dir: string, options: ValidateOptions) => {
      process.exitCode = await validate(dir, options);
    });
}

/** Returns the exit code. */
// eslint-disable-next-line max-lines-per-function -- the command's steps in order (configuration, files, load, output), each failure its exit code
export async function validate(
  dir: string,
  options: ValidateOptions,
  io: CommandIo = processIo,
): Promise<number> {
  const format: ValidateFormat = options.format ?? (options.json === true ? "json" : "text");
  let ceiling: Ceiling = BASELINE_CEILING;
  let limits: SpecLimits = DEFAULT_SPEC_LIMITS;
  // The operator configuration's warnings go in the JSON document beside the spec's.
  let configNotes: Diagnostic[] = [];
  let variables: Readonly<Record<string, string>> = {};
  if (options.config !== undefined) {
    try {
      const config = await loadOperatorConfig(options.config, { cwd: io.cwd });
      ceiling = config.ceiling;
      limits = config.limits.spec;
      configNotes = configWarnings(config.warnings);
      variables = config.variables ?? {};
      for (const w of config.warnings ?? []) io.err(`${formatConfigWarning(w)}\n`);
    } catch (err) {
      const what = err instanceof ConfigError ? "invalid configuration" : "cannot read configuration";
      if (format === "json") io.out(json(document(false, configErrors(err), [])));
      io.err(`gitfleet validate: ${what}:\n${String((err as Error).message)}\n`);
      return EXIT_USAGE;
    }
  }
  let files: RepoFiles;
  try {
    files = await readRepoDir(resolve(io.cwd, dir), limits);
  } catch (e) {
    if (!(e instanceof RepoDirError)) throw e;
    const message = e.message.split(resolve(io.cwd, dir)).join(dir);
    if (format === "json")
      io.out(json(document(false, [cliError("repo-dir-unreadable", message)], configNotes)));
    io.err(`gitfleet validate: ${message}\n`);
    return EXIT_USAGE;
  }
  const result = loadSpec(files, { ceiling, limits, variables });
  const errors: readonly SpecError[] = result.ok ? [] : result.errors;
  const warnings = result.warnings ?? [];
  const warned = warnings.length + configNotes.length > 0;
  const valid = result.ok && !(options.strict === true && warned);
  // Paths relative to where the command runs, so editors and CI annotations can open them.
  const base = relative(io.cwd, resolve(io.cwd, dir));
  const here = (e: SpecError): SpecError => ({ ...e, path: base === "" ? e.path : join(base, e.path) });
  if (format === "json") {
    // Paths in JSON stay relative to the repository root: the same whatever the working directory.
    const notes = [...warnings.map(diagnostic), ...configNotes];
    io.out(json(document(valid, errors.map(diagnostic), notes)));
  } else if (format === "github") {
    for (const e of errors) io.out(annotation("error", here(e)));
    for (const w of warnings) io.out(annotation(options.strict === true ? "error" : "warning", here(w)));
    if (result.ok && errors.length === 0) io.out(`${dir}: valid: ${summary(result.state)}\n`);
  } else {
    if (errors.length > 0) io.err(`${errors.map((e) => formatSpecError(here(e))).join("\n")}\n`);
    if (warnings.length > 0) io.err(`${warnings.map((w) => formatSpecWarning(here(w))).join("\n")}\n`);
    if (result.ok) {
      const note =
        warnings.length > 0 ? ` (${warnings.length} warning${warnings.length === 1 ? "" : "s"})` : "";
      io.out(`${dir}: ${valid ? "valid" : "invalid under --strict"}: ${summary(result.state)}${note}\n`);
    }
  }
  return valid ? EXIT_OK : EXIT_INVALID;
}

function document(valid: boolean, errors: readonly Diagnostic[], warnings: readonly Diagnostic[]): object {
  return { format_version: VALIDATE_FORMAT_VERSION, valid, errors, warnings };
}

function json(doc: object): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** A GitHub Actions workflow command: shows on the changed line of a pull request. */
function annotation(kind: "error" | "warning", e: SpecError): string {
  const prop = (v: string): string =>
    v
      .replace(/%/g, "%25")
      .replace(/\r/g, "%0D")
      .replace(/\n/g, "%0A")
      .replace(/:/g, "%3A")
      .replace(/,/g, "%2C");
  const data = (v: string): string => v.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
  return `::${kind} file=${prop(e.path)}${e.line > 0 ? `,line=${e.line},col=${e.col}` : ""},title=${prop(`gitfleet ${e.code}`)}::${data(e.message)}\n`;
}

function summary({ cluster, services }: DesiredState): string {
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;
  const names = services.length > 0 ? ` (${services.map((s) => s.name).join(", ")})` : "";
  return `cluster "${cluster.name}", ${plural(cluster.hosts.length, "host")}, ${plural(services.length, "service")}${names}`;
}
