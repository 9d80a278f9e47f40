// `gitfleet plan [DIR]`: what the operator would change now, against the live
// hosts (read-only). The desired state comes from DIR (a checkout, as in a
// pull request's CI job) or, without DIR, from the repository in --config.
// Hosts are those of that desired state's cluster.yaml; TLS material and
// Docker client settings from --config (else GITFLEET_SECRETS_DIR or ./secrets).

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { GitSource } from "../../adapters/git/index.js";
import { DirectorySecretStore } from "../../adapters/system/secret-store.js";
import { readRepoDir, RepoDirError } from "../../adapters/system/read-dir.js";
import { CONFIG_DEFAULTS, ConfigError, loadOperatorConfig, type OperatorConfig } from "../../config/index.js";
import { dockerDrivers, refOf, repositoryOf, specLoader } from "../../controller/bootstrap.js";
import { preview } from "../../controller/preview.js";
import { log } from "../../log.js";
import { BASELINE_CEILING } from "../../model/ceiling.js";
import type { DesiredState, SpecError } from "../../model/spec.js";
import { explain, NO_CHANGES } from "../../plan/index.js";
import type { PortConflict } from "../../edge/index.js";
import { formatSpecError, loadSpec } from "../../spec/index.js";
import { EXIT_INVALID, EXIT_OK, EXIT_USAGE } from "../exit-codes.js";
import { processIo, type CommandIo } from "../io.js";

/** Changes are pending (only with --detailed-exitcode), as `terraform plan -detailed-exitcode` says with 2. */
export const EXIT_CHANGES = 3;

export interface PlanCommandOptions {
  readonly config?: string;
  readonly json?: boolean;
  readonly detailedExitcode?: boolean;
}

const HELP = `
Exit codes:
  0  the plan was computed (no changes; or changes, without --detailed-exitcode)
  1  the desired state is invalid (every problem listed), or the watched commit was rejected
  2  bad usage, unreadable DIR or configuration
  3  with --detailed-exitcode: changes are pending

Hosts that do not answer within 5 s are listed on stderr (and under "unreachable" in --json);
nothing is planned on them, so the plan is then incomplete.`;

export function registerPlan(program: Command): void {
  program
    .command("plan")
    .description("show what the operator would change on the live hosts now (read-only)")
    .argument("[dir]", "repository checkout to plan (default: the repository in --config)")
    .option(
      "-c, --config <file>",
      "operator configuration: repository, ceiling, secrets, Docker client settings (without it: the baseline ceiling)",
    )
    .option("--json", "print the plan as JSON on stdout")
    .option("--detailed-exitcode", "exit 3 when changes are pending (0 when none)")
    .addHelpText("after", HELP)
    .action(async (dir: string | undefined, options: PlanCommandOptions) => {
      process.exitCode = await planCommand(dir, options);
    });
}

export async function planCommand(
  dir: string | undefined,
  options: PlanCommandOptions,
  io: CommandIo = processIo,
): Promise<number> {
  let config: OperatorConfig | undefined;
  try {
    if (options.config !== undefined || dir === undefined)
      config = await loadOperatorConfig(options.config, { cwd: io.cwd });
  } catch (err) {
    io.err(
      `gitfleet plan: ${err instanceof ConfigError ? "invalid configuration" : "cannot read configuration"}:\n${String((err as Error).message)}\n`,
    );
    return EXIT_USAGE;
  }
  const desired = await desiredState(dir, config, io);
  if (typeof desired === "number") return desired;
  const secrets = new DirectorySecretStore(
    config?.secretsDir ?? process.env["GITFLEET_SECRETS_DIR"] ?? resolve(io.cwd, "secrets"),
  );
  const drivers = dockerDrivers(config ?? defaultsConfig(io.cwd), secrets, log);
  const p = await preview({ desired, drivers, logger: log });
  const unreachable = Object.fromEntries(p.observation.errors);
  for (const [host, error] of p.observation.errors) io.err(`warning: host ${host} not observed: ${error}\n`);
  const changes = p.plan.rollouts.length > 0;
  const text = withConflicts(explain(p.plan, p.placement), p.portConflicts);
  if (options.json === true) {
    const out = {
      changes,
      summary: text,
      rollouts: p.plan.rollouts,
      held: p.plan.held,
      unschedulable: p.placement.unschedulable,
      portConflicts: p.portConflicts,
      unreachable,
    };
    io.out(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    io.out(text);
  }
  return changes && options.detailedExitcode === true ? EXIT_CHANGES : EXIT_OK;
}

/** Ports the edges cannot serve are named: "No changes" would say the cluster matches the spec. */
export function withConflicts(text: string, conflicts: readonly PortConflict[]): string {
  if (conflicts.length === 0) return text;
  const head = text === NO_CHANGES ? "No changes planned.\n" : text;
  const lines = conflicts.map((c) => `  ${c.service}: ${c.message}`);
  return `${head}\nPort conflicts (not served as specified):\n${lines.join("\n")}\n`;
}

async function desiredState(
  dir: string | undefined,
  config: OperatorConfig | undefined,
  io: CommandIo,
): Promise<DesiredState | number> {
  if (dir !== undefined) {
    try {
      const ceiling = config?.ceiling ?? BASELINE_CEILING;
      const result = loadSpec(await readRepoDir(resolve(io.cwd, dir)), { ceiling });
      if (result.ok) return result.state;
      printErrors(result.errors, io);
      return EXIT_INVALID;
    } catch (err) {
      if (!(err instanceof RepoDirError)) throw err;
      io.err(`gitfleet plan: ${err.message}\n`);
      return EXIT_USAGE;
    }
  }
  if (config === undefined) return EXIT_USAGE;
  // A cache of its own: never share the object store of an operator that may be running.
  const cacheDir = await mkdtemp(join(tmpdir(), "gitfleet-plan-"));
  let snap;
  try {
    const source = await GitSource.create({
      repository: repositoryOf(config),
      ref: refOf(config.repository.ref),
      cacheDir,
      loadSpec: specLoader(config),
    });
    snap = await source.poll();
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
  if (snap.rejected !== undefined) {
    io.err(`the newest commit ${snap.rejected.commit.slice(0, 7)} is rejected (${snap.rejected.reason}):\n`);
    printErrors(snap.rejected.errors, io);
    return EXIT_INVALID;
  }
  if (snap.desired === undefined) {
    io.err(
      `gitfleet plan: no desired state: ${snap.outage?.error ?? "the repository has no valid commit"}\n`,
    );
    return EXIT_USAGE;
  }
  return snap.desired.state;
}

function printErrors(errors: readonly SpecError[], io: CommandIo): void {
  io.err(`${errors.map((e) => formatSpecError(e)).join("\n")}\n`);
}

/** Docker client settings when there is no configuration file. */
function defaultsConfig(cwd: string): OperatorConfig {
  return {
    repository: { path: cwd, ref: { kind: "branch", value: CONFIG_DEFAULTS.branch } },
    poll: CONFIG_DEFAULTS.poll,
    status: { branch: CONFIG_DEFAULTS.statusBranch, sameBranch: false },
    secretsDir: resolve(cwd, CONFIG_DEFAULTS.secretsDir),
    workDir: resolve(cwd, CONFIG_DEFAULTS.workDir),
    signature: { trustedKeyFiles: [] },
    docker: {
      concurrency: CONFIG_DEFAULTS.concurrency,
      callTimeoutMs: CONFIG_DEFAULTS.callTimeoutMs,
      pingTimeoutMs: CONFIG_DEFAULTS.pingTimeoutMs,
      pullTimeoutMs: CONFIG_DEFAULTS.pullTimeoutMs,
    },
    ceiling: BASELINE_CEILING,
  };
}
