// `gitfleet plan [DIR]`: what the operator would change now, against the live
// hosts (read-only). The desired state comes from DIR (a checkout, as in a
// pull request's CI job) or, without DIR, from the repository in --config.
// Hosts are those of that desired state's cluster.yaml; TLS material and
// Docker client settings from --config (else GITFLEET_SECRETS_DIR or ./secrets).
// A plan never claims more than it knows: a host that could not be observed
// fails the command (exit 4) unless --allow-partial, and then every output
// says the plan is partial.

import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Option, type Command } from "commander";
import { DirectorySecretStore } from "../../adapters/system/secret-store.js";
import { LABEL_KEY_SECRET, readLabelKey } from "../../adapters/system/label-key.js";
import { readRepoDir, RepoDirError } from "../../adapters/system/read-dir.js";
import {
  CONFIG_DEFAULTS,
  DEFAULT_HEALTH,
  ConfigError,
  DEFAULT_LIMITS,
  formatConfigWarning,
  loadOperatorConfig,
  type OperatorConfig,
} from "../../config/index.js";
import { dockerDrivers, refOf, repositoryOf, trustOptions } from "../../daemon/bootstrap.js";
import { openGitDesired, type GitDesired } from "../../daemon/git-desired.js";
import { preview, previewObserved, type Preview } from "../../reconcile/preview.js";
import { observedFromStatus } from "../../status/observed-from-status.js";
import { isoTime } from "../../status/format.js";
import { parseDuration } from "../../spec/units.js";
import { StatusBranchReader } from "../status-branch.js";
import { withSecretDigests } from "../../desired/secret-digests.js";
import { log } from "../../adapters/system/log.js";
import { systemTime } from "../../adapters/system/clock.js";
import type { PortConflict } from "../../edge/index.js";
import { BASELINE_CEILING } from "../../model/ceiling.js";
import type { DesiredState, SpecError } from "../../model/spec.js";
import { deletionGuard } from "../../plan/deletion-guard.js";
import { explain, NO_CHANGES } from "../../plan/index.js";
import { DEFAULT_SPEC_LIMITS, formatSpecError, formatSpecWarning, loadSpec } from "../../spec/index.js";
import { EXIT_CHANGES, EXIT_INVALID, EXIT_OK, EXIT_UNOBSERVED, EXIT_USAGE } from "../exit-codes.js";
import { processIo, type CommandIo } from "../io.js";
import { cliError, configErrors, configWarnings, type Diagnostic } from "../diagnostics.js";
import { baselines, type StateAt } from "../plan/baseline.js";
import { renderComments } from "../plan/markdown.js";
import { renderText } from "../plan/render.js";
import { PLAN_FORMAT_VERSION, diagnostic, planReport, type PlanReport } from "../plan/report.js";

/** What every way out of the command shares: where to write, in which format, the configuration's warnings. */
interface Output {
  readonly io: CommandIo;
  readonly format: PlanFormat;
  readonly configNotes: readonly Diagnostic[];
}

export type PlanFormat = "text" | "json" | "markdown";

export interface PlanCommandOptions {
  readonly config?: string;
  readonly json?: boolean;
  readonly format?: PlanFormat;
  readonly detailedExitcode?: boolean;
  readonly allowPartial?: boolean;
  readonly strict?: boolean;
  /** Markdown: also write each comment (split under the forge's limit) to DIR/plan-N.md. */
  readonly commentsDir?: string;
  /** live (default): observe the hosts; status: the cluster as the status branch recorded it. */
  readonly against?: "live" | "status";
  readonly repository?: string;
  readonly statusBranch?: string;
  readonly maxAge?: string;
}

const HELP = `
Exit codes:
  0  the plan was computed (no changes; or changes, without --detailed-exitcode)
  1  the desired state is invalid (every problem listed), the operator would reject the commit
     (a guarded deletion, or the watched commit was rejected), or a warning under --strict
  2  bad usage, unreadable DIR or configuration
  3  with --detailed-exitcode: changes are pending
  4  some hosts could not be observed (each listed once with the reason); --allow-partial plans anyway;
     with --against status: the status branch cannot be read (status-unreadable), is older than
     --max-age (status-stale), or does not describe a host of cluster.yaml

--against status plans against the cluster as the status branch recorded it: read access to the
repository is all it needs (no Docker credentials), and it is as fresh as the last status commit,
whose time and age every format states (JSON: observed_from).

A partial plan (--allow-partial) says so first in every format ("partial": true in JSON).`;

export function registerPlan(program: Command): void {
  program
    .command("plan")
    .description("show what the operator would change on the live hosts now (read-only)")
    .argument("[dir]", "repository checkout to plan (default: the repository in --config)")
    .option(
      "-c, --config <file>",
      "operator configuration: repository, ceiling, secrets, Docker client settings (without it: the baseline ceiling)",
    )
    .addOption(new Option("--format <format>", "output format").choices(["text", "json", "markdown"]))
    .option("--json", "same as --format json")
    .option("--detailed-exitcode", "exit 3 when changes are pending (0 when none)")
    .option("--allow-partial", "plan even when some hosts cannot be observed (marked partial)")
    .option("--strict", "treat warnings as errors (exit 1)")
    .option(
      "--comments-dir <dir>",
      "with --format markdown: also write each pull request comment to DIR/plan-1.md, plan-2.md, ... (a long plan is split under 65,536 characters)",
    )
    .addOption(
      new Option("--against <what>", "observe the live hosts, or read the cluster from the status branch")
        .choices(["live", "status"])
        .default("live"),
    )
    .option(
      "--repository <url|path>",
      "with --against status: the repository holding the status branch (default: --config's)",
    )
    .option("--status-branch <branch>", "with --against status: the status branch (default: --config's)")
    .option("--max-age <duration>", "with --against status: exit 4 when the status commit is older than this")
    .addHelpText("after", HELP)
    .action(async (dir: string | undefined, options: PlanCommandOptions) => {
      process.exitCode = await planCommand(dir, options);
    });
}

interface Desired {
  readonly state: DesiredState;
  readonly warnings: readonly SpecError[];
  /** The watched branch's state (the operator's repository), to read what runs. */
  readonly reference?: DesiredState;
  readonly stateAt?: StateAt;
  readonly message?: string;
}

export async function planCommand(
  dir: string | undefined,
  options: PlanCommandOptions,
  io: CommandIo = processIo,
): Promise<number> {
  const format: PlanFormat = options.format ?? (options.json === true ? "json" : "text");
  let config: OperatorConfig | undefined;
  try {
    if (options.config !== undefined || dir === undefined)
      config = await loadOperatorConfig(options.config, { cwd: io.cwd });
  } catch (err) {
    if (format === "json") io.out(json(failure({ errors: configErrors(err) })));
    io.err(
      `gitfleet plan: ${err instanceof ConfigError ? "invalid configuration" : "cannot read configuration"}:\n${String((err as Error).message)}\n`,
    );
    return EXIT_USAGE;
  }
  for (const w of config?.warnings ?? []) io.err(`${formatConfigWarning(w)}\n`);
  const out: Output = { io, format, configNotes: configWarnings(config?.warnings) };
  // A cache of its own: never share the object store of an operator that may be running.
  const cacheDir = await mkdtemp(join(tmpdir(), "gitfleet-plan-"));
  try {
    const desired = await desiredState(dir, config, cacheDir, out);
    if (typeof desired === "number") return desired;
    return await planAgainstHosts(desired, config, options, out);
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
}

async function planAgainstHosts(
  desired: Desired,
  config: OperatorConfig | undefined,
  options: PlanCommandOptions,
  { io, format, configNotes }: Output,
): Promise<number> {
  const secrets = new DirectorySecretStore(
    config?.secretsDir ?? process.env["GITFLEET_SECRETS_DIR"] ?? resolve(io.cwd, "secrets"),
  );
  // Unobserved hosts are this command's output, listed once; the log stays quiet about them.
  const quiet = log.child({}, { level: "silent" });
  const drivers = dockerDrivers(config ?? defaultsConfig(io.cwd), secrets, quiet);
  const state = await digested(desired.state, secrets, io);
  let observedFrom: PlanReport["observed_from"];
  let p: Preview;
  if (options.against === "status") {
    const recorded = await fromStatus(state, options, { io, format, configNotes });
    if (typeof recorded === "number") return recorded;
    ({ preview: p, observedFrom } = recorded);
  } else p = await preview({ desired: state, drivers, logger: quiet, time: systemTime });
  const unobserved = unobservedHosts(p);
  if (unobserved.size > 0 && options.allowPartial !== true)
    return refuseUnobserved(unobserved, desired, { io, format, configNotes });
  const guard = deletionGuard({
    desired: desired.state,
    running: p.observation.cluster.replicas,
    ...(desired.message !== undefined ? { commitMessage: desired.message } : {}),
  });
  const planned = planReport({
    desired: desired.state,
    plan: p.plan,
    placement: p.placement,
    unobserved,
    baselines: await baselines(p.observation.cluster.replicas, desired.reference, desired.stateAt),
    warnings: desired.warnings,
    ...(guard.ok ? {} : { rejected: { message: guard.message, removed_services: guard.removed } }),
    summary: withConflicts(explain(p.plan, p.placement), p.portConflicts).split("\n")[0] ?? "",
    portConflicts: p.portConflicts,
  });
  const report: PlanReport = {
    ...planned,
    ...(observedFrom !== undefined ? { observed_from: observedFrom } : {}),
    warnings: [...planned.warnings, ...configNotes],
  };
  await printReport(report, desired.warnings, options, { io, format, configNotes });
  if (!guard.ok) return EXIT_INVALID;
  if (options.strict === true && report.warnings.length > 0) return EXIT_INVALID;
  return report.changes && options.detailedExitcode === true ? EXIT_CHANGES : EXIT_OK;
}

/** Hosts that could not be observed, once each, by name, without the host name the driver's message starts with. */
function unobservedHosts(p: Preview): Map<string, string> {
  return new Map(
    [...p.observation.errors]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([host, error]) => [host, error.startsWith(`${host}: `) ? error.slice(host.length + 2) : error]),
  );
}

/** No plan while hosts are unobserved (without --allow-partial): they are listed, exit 4. */
function refuseUnobserved(
  unobserved: ReadonlyMap<string, string>,
  desired: Desired,
  { io, format, configNotes }: Output,
): number {
  const list = [...unobserved].map(([host, error]) => ({ host, error }));
  if (format === "json") {
    const warnings = [...desired.warnings.map(diagnostic), ...configNotes];
    io.out(json(failure({ unobserved_hosts: list, warnings })));
  } else printWarnings(desired.warnings, io);
  io.err(
    `gitfleet plan: ${list.length} of ${desired.state.cluster.hosts.length} hosts could not be observed; no plan (use --allow-partial to plan without them):\n` +
      list.map((h) => `  ${h.host}: ${h.error}\n`).join(""),
  );
  return EXIT_UNOBSERVED;
}

/** The report in the chosen format (Markdown comments also to --comments-dir). */
async function printReport(
  report: PlanReport,
  specWarnings: readonly SpecError[],
  options: PlanCommandOptions,
  { io, format }: Output,
): Promise<void> {
  if (format === "json") {
    io.out(json(report));
    return;
  }
  printWarnings(specWarnings, io);
  if (format !== "markdown") {
    io.out(renderText(report));
    return;
  }
  const from = report.observed_from;
  const comments = renderComments(report, {
    ...(from !== undefined
      ? {
          against: `the status branch as of ${from.status_commit.slice(0, 12)} (${from.status_time}, ${from.age_seconds}s old; as fresh as that commit, not the live hosts)`,
        }
      : {}),
  });
  io.out(comments.join("\n"));
  if (options.commentsDir !== undefined) await writeComments(resolve(io.cwd, options.commentsDir), comments);
}

async function desiredState(
  dir: string | undefined,
  config: OperatorConfig | undefined,
  cacheDir: string,
  out: Output,
): Promise<Desired | number> {
  const invalid = invalidPrinter(out);
  if (dir !== undefined) return desiredFromDir(dir, config, cacheDir, out, invalid);
  if (config === undefined) return EXIT_USAGE;
  const { io, format, configNotes } = out;
  const source = await openSource(config, cacheDir);
  const snap = await source.poll();
  if (snap.rejected !== undefined) {
    const head = `the newest commit ${snap.rejected.commit.slice(0, 7)} is rejected (${snap.rejected.reason}):\n`;
    return invalid(snap.rejected.errors, [], head);
  }
  if (snap.desired === undefined) {
    const message = `no desired state: ${snap.outage?.error ?? "the repository has no valid commit"}`;
    if (format === "json")
      io.out(json(failure({ errors: [cliError("no-desired-state", message)], warnings: configNotes })));
    io.err(`gitfleet plan: ${message}\n`);
    return EXIT_USAGE;
  }
  return {
    state: snap.desired.state,
    warnings: snap.desired.warnings ?? [],
    stateAt: (c) => source.stateAt(c),
    message: snap.desired.message,
  };
}

/** Prints a spec that does not load (its errors and warnings) and gives exit 1. */
type Invalid = (errors: readonly SpecError[], warnings: readonly SpecError[], head?: string) => number;

function invalidPrinter({ io, format, configNotes }: Output): Invalid {
  return (errors, warnings, head) => {
    if (format === "json")
      io.out(
        json(
          failure({
            errors: errors.map(diagnostic),
            warnings: [...warnings.map(diagnostic), ...configNotes],
          }),
        ),
      );
    else {
      if (head !== undefined) io.err(head);
      io.err(`${errors.map((e) => formatSpecError(e)).join("\n")}\n`);
      printWarnings(warnings, io);
    }
    return EXIT_INVALID;
  };
}

/** The desired state in DIR's files; what runs is read back from the operator's repository, else DIR's history. */
async function desiredFromDir(
  dir: string,
  config: OperatorConfig | undefined,
  cacheDir: string,
  { io, format, configNotes }: Output,
  invalid: Invalid,
): Promise<Desired | number> {
  let files;
  const limits = config?.limits.spec ?? DEFAULT_SPEC_LIMITS;
  try {
    files = await readRepoDir(resolve(io.cwd, dir), limits);
  } catch (err) {
    if (!(err instanceof RepoDirError)) throw err;
    const message = err.message.split(resolve(io.cwd, dir)).join(dir);
    if (format === "json")
      io.out(json(failure({ errors: [cliError("repo-dir-unreadable", message)], warnings: configNotes })));
    io.err(`gitfleet plan: ${message}\n`);
    return EXIT_USAGE;
  }
  const result = loadSpec(files, {
    ceiling: config?.ceiling ?? BASELINE_CEILING,
    limits,
    variables: config?.variables ?? {},
  });
  if (!result.ok) return invalid(result.errors, result.warnings ?? []);
  const source = await openSource(config, cacheDir).catch(() => undefined);
  const reference =
    source !== undefined && config !== undefined ? (await source.poll()).desired?.state : undefined;
  const history =
    source ??
    (await openGitDesired({ repository: { path: resolve(io.cwd, dir) }, logger: log }).catch(
      () => undefined,
    ));
  return {
    state: result.state,
    warnings: result.warnings ?? [],
    ...(reference !== undefined ? { reference } : {}),
    ...(history !== undefined ? { stateAt: (c: string) => history.stateAt(c) } : {}),
  };
}

/**
 * The cluster as the status branch last recorded it, instead of the live hosts. Unreadable or
 * stale status, or a host status does not describe, is exit 4 as an unobserved host is.
 */
// eslint-disable-next-line max-lines-per-function -- read the status branch, check its age, and turn it into a preview: each failure is its exit code, in order
async function fromStatus(
  desired: DesiredState,
  options: PlanCommandOptions,
  { io, format, configNotes }: Output,
): Promise<{ preview: Preview; observedFrom: NonNullable<PlanReport["observed_from"]> } | number> {
  const unreadable = (code: "status-unreadable" | "status-stale", message: string): number => {
    if (format === "json")
      io.out(json(failure({ errors: [cliError(code, message)], warnings: configNotes })));
    io.err(`gitfleet plan: ${message}\n`);
    return EXIT_UNOBSERVED;
  };
  const maxAge = options.maxAge === undefined ? undefined : parseDuration(options.maxAge);
  if (maxAge !== undefined && !maxAge.ok) {
    io.err(`gitfleet plan: --max-age ${options.maxAge}: ${maxAge.reason}\n`);
    return EXIT_USAGE;
  }
  let reader: StatusBranchReader;
  try {
    reader = await StatusBranchReader.open(options, io.cwd);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    return unreadable("status-unreadable", `cannot read the status branch: ${(err as Error).message}`);
  }
  try {
    let read;
    try {
      read = await reader.read();
    } catch (err) {
      return unreadable("status-unreadable", `cannot read ${reader.where}: ${(err as Error).message}`);
    }
    if (read?.view === undefined)
      return unreadable("status-unreadable", `no status on ${reader.where}: has the operator written any?`);
    const ageMs = Math.max(0, Date.now() - read.timestamp);
    if (maxAge?.ok === true && ageMs > maxAge.value)
      return unreadable(
        "status-stale",
        `the status commit ${read.commit.slice(0, 12)} is ${Math.round(ageMs / 1000)}s old (more than --max-age ${options.maxAge})`,
      );
    const recorded = observedFromStatus(desired, read.view);
    const observation = {
      cluster: recorded.cluster,
      fresh: new Set(recorded.cluster.hosts.map((h) => h.name)),
      errors: recorded.unobserved,
    };
    return {
      preview: previewObserved(desired, observation, Date.now()),
      observedFrom: {
        source: "status",
        status_commit: read.commit,
        status_time: isoTime(read.timestamp),
        age_seconds: Math.round(ageMs / 1000),
      },
    };
  } finally {
    await reader.close();
  }
}

/** Ports the edges cannot serve are named: "No changes" would say the cluster matches the spec. */
export function withConflicts(text: string, conflicts: readonly PortConflict[]): string {
  if (conflicts.length === 0) return text;
  const head = text === NO_CHANGES ? "No changes planned.\n" : text;
  const lines = conflicts.map((c) => `  ${c.service}: ${c.message}`);
  return `${head}\nPort conflicts (not served as specified):\n${lines.join("\n")}\n`;
}

/** The operator's repository, judged as the operator judges it: ceiling, limits, trusted keys. */
async function openSource(config: OperatorConfig | undefined, cacheDir: string): Promise<GitDesired> {
  if (config === undefined) throw new Error("no configuration");
  return openGitDesired({
    logger: log,
    repository: repositoryOf(config),
    ref: refOf(config.repository.ref),
    cacheDir,
    ...(await trustOptions(config)),
  });
}

/** The JSON document when there is no plan: the same contract, errors and warnings included. */
function failure(
  parts: Partial<Pick<PlanReport, "unobserved_hosts">> & {
    errors?: readonly Diagnostic[];
    warnings?: readonly Diagnostic[];
  },
): PlanReport {
  return {
    format_version: PLAN_FORMAT_VERSION,
    partial: false,
    changes: false,
    unobserved_hosts: parts.unobserved_hosts ?? [],
    services: [],
    port_conflicts: [],
    warnings: parts.warnings ?? [],
    errors: parts.errors ?? [],
    summary: "No plan.",
  };
}

/** One file per comment, and none left over from a longer plan before. */
async function writeComments(dir: string, comments: readonly string[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const name of await readdir(dir)) if (/^plan-\d+\.md$/.test(name)) await rm(join(dir, name));
  for (const [i, c] of comments.entries()) await writeFile(join(dir, `plan-${i + 1}.md`), c);
}

function json(doc: object): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function printWarnings(warnings: readonly SpecError[], io: CommandIo): void {
  if (warnings.length > 0) io.err(`${warnings.map((w) => formatSpecWarning(w)).join("\n")}\n`);
}

/** Keyed with the operator's label key, as the operator does, so a rotated secret shows as a change. */
async function digested(
  desired: DesiredState,
  secrets: DirectorySecretStore,
  io: CommandIo,
): Promise<DesiredState> {
  const key = await readLabelKey(secrets).catch(() => undefined);
  if (key !== undefined) return withSecretDigests(desired, secrets, key);
  if (desired.services.some((s) => Object.keys(s.envSecrets).length > 0)) {
    io.err(
      `warning: no ${LABEL_KEY_SECRET} in the secret store: services with env_secrets may show as changed\n`,
    );
  }
  return desired;
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
    health: DEFAULT_HEALTH,
    docker: {
      concurrency: CONFIG_DEFAULTS.concurrency,
      callTimeoutMs: CONFIG_DEFAULTS.callTimeoutMs,
      pingTimeoutMs: CONFIG_DEFAULTS.pingTimeoutMs,
      pullTimeoutMs: CONFIG_DEFAULTS.pullTimeoutMs,
    },
    ceiling: BASELINE_CEILING,
    limits: DEFAULT_LIMITS,
  };
}
