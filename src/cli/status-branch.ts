// Where the commands that work from the status branch alone (`status`,
// `wait`, `plan --against status`) read it: the repository and status branch
// of the operator configuration (--config), or a repository named on the
// command line (--repository, credentials from GITFLEET_GIT_USERNAME /
// _PASSWORD / _TOKEN) with --status-branch. Read access is all they need: no
// Docker credentials, nothing pushed. Each reader has a Git cache of its own
// in a temporary directory (never an operator's), removed by close().

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import {
  credentialsFromEnv,
  DEFAULT_STATUS_BRANCH,
  GitStatusSink,
  type RepositoryLocation,
  type StatusCommit,
} from "../adapters/git/index.js";
import { ConfigError, loadOperatorConfig, type OperatorConfig } from "../config/index.js";
import { repositoryOf } from "../daemon/bootstrap.js";
import { readStatusView, type StatusView } from "../status/readback.js";
import { cliError, configErrors, type Diagnostic } from "./diagnostics.js";
import { EXIT_UNOBSERVED, EXIT_USAGE } from "./exit-codes.js";

export interface StatusBranchOptions {
  readonly config?: string;
  readonly repository?: string;
  readonly statusBranch?: string;
}

/** The three options, the same on every command that reads the status branch. */
export function statusBranchOptions(command: Command): Command {
  return command
    .option("-c, --config <file>", "operator configuration: its repository, credentials and status branch")
    .option(
      "--repository <url|path>",
      "the GitOps repository instead of --config (credentials from GITFLEET_GIT_USERNAME/_PASSWORD/_TOKEN)",
    )
    .option(
      "--status-branch <branch>",
      `the status branch (default: the configuration's, else ${DEFAULT_STATUS_BRANCH})`,
    );
}

export interface StatusRead {
  readonly commit: string;
  /** Committer time of the status commit, ms since epoch: status is this fresh, no more. */
  readonly timestamp: number;
  readonly view: StatusView | undefined;
  readonly files: ReadonlyMap<string, string>;
}

/**
 * A reader of the status branch, or the exit code of the command that could not open one: a bad
 * configuration (2) or an unreadable status branch (4), each told through `fail`.
 */
export async function openStatusReader(
  options: StatusBranchOptions,
  cwd: string,
  fail: (code: number, errors: Diagnostic[], text: string) => number,
): Promise<StatusBranchReader | number> {
  try {
    return await StatusBranchReader.open(options, cwd);
  } catch (err) {
    if (err instanceof ConfigError)
      return fail(EXIT_USAGE, configErrors(err), `invalid configuration:\n${err.message}`);
    const message = `cannot read the status branch: ${(err as Error).message}`;
    return fail(EXIT_UNOBSERVED, [cliError("status-unreadable", message)], message);
  }
}

export class StatusBranchReader {
  private constructor(
    private readonly sink: GitStatusSink,
    private readonly cacheDir: string,
    /** For messages: the repository (no credentials) and branch. */
    readonly where: string,
    /** The operator configuration it was opened with (none with --repository). */
    readonly config: OperatorConfig | undefined,
  ) {}

  static async open(options: StatusBranchOptions, cwd: string): Promise<StatusBranchReader> {
    let config: OperatorConfig | undefined;
    if (options.repository === undefined) config = await loadOperatorConfig(options.config, { cwd });
    const repository: RepositoryLocation =
      config !== undefined ? repositoryOf(config) : locationOf(options.repository ?? ".", cwd);
    const branch = options.statusBranch ?? config?.status.branch ?? DEFAULT_STATUS_BRANCH;
    const cacheDir = await mkdtemp(join(tmpdir(), "gitfleet-status-"));
    try {
      const sink = await GitStatusSink.create({ repository, branch, cacheDir });
      const shown = "url" in repository ? redact(repository.url) : repository.path;
      return new StatusBranchReader(sink, cacheDir, `${shown} branch ${branch}`, config);
    } catch (err) {
      await rm(cacheDir, { recursive: true, force: true });
      throw err;
    }
  }

  /** The branch's tip, undefined when the branch does not exist. Throws when Git cannot be read. */
  async read(): Promise<StatusRead | undefined> {
    const tip: StatusCommit | undefined = await this.sink.readStatusCommit();
    if (tip === undefined) return undefined;
    return { ...tip, view: readStatusView(tip.files) };
  }

  async close(): Promise<void> {
    await rm(this.cacheDir, { recursive: true, force: true });
  }
}

function locationOf(repository: string, cwd: string): RepositoryLocation {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(repository) || /^[^/]+@[^/:]+:/.test(repository)) {
    const auth = credentialsFromEnv();
    return auth !== undefined ? { url: repository, auth } : { url: repository };
  }
  return { path: resolve(cwd, repository) };
}

function redact(url: string): string {
  return url.replace(/\/\/[^/@]*@/, "//");
}

/** "3m 12s ago": how old a status commit is. */
export function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}
