// `gitfleet rollback <service|commit>`: a revert commit on the watched
// branch, pushed without force. Git stays the truth: there is no out-of-band
// state, the operator applies the new commit like any other (through review
// rules, signature checks and guarded deletions), and the history says who
// rolled back what. A commit is reverted whole (its files go back to their
// version before it, as `git revert`); a service has the last commit that
// changed its file reverted, for that file only.

import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { BranchEditor, HISTORY_DEPTH, type BranchCommit } from "../../adapters/git/branch-editor.js";
import { credentialsFromEnv, type RepositoryLocation } from "../../adapters/git/index.js";
import { ConfigError, loadOperatorConfig } from "../../config/index.js";
import { repositoryOf } from "../../daemon/bootstrap.js";
import { cliError, configErrors, type Diagnostic } from "../diagnostics.js";
import { EXIT_INVALID, EXIT_OK, EXIT_UNOBSERVED, EXIT_USAGE } from "../exit-codes.js";
import { processIo, type CommandIo } from "../io.js";
import { changedPaths, revertChanges, unifiedDiff } from "../verbs/revert-plan.js";
import { json, VERBS_FORMAT_VERSION } from "../verbs/status-doc.js";

export interface RollbackOptions {
  readonly config?: string;
  readonly repository?: string;
  readonly branch?: string;
  readonly dryRun?: boolean;
  readonly json?: boolean;
  readonly message?: string;
}

const HELP = `
<commit> (7 to 40 hex digits, within the branch's last ${HISTORY_DEPTH} commits) is reverted whole: every
file it changed goes back to its version before it. <service> has the newest commit that changed
the file defining it (services/**.yaml with "name: <service>", or stacks/<stack>/compose.yaml for
<stack>_<name>) reverted, for that file only (other services in the same file go back with it).
A file changed again since that commit is a conflict: nothing is pushed (revert by hand).
Needs push access to the watched branch (-c's repository and credentials, or --repository with
GITFLEET_GIT_USERNAME/_PASSWORD/_TOKEN). The commit is not signed: with signature verification
on, the operator would reject it (use git revert -S instead).

Exit codes:
  0  the revert commit was pushed (or, with --dry-run, shown)
  1  nothing to roll back, a conflict, or the branch moved meanwhile (run it again)
  2  bad usage, the configuration cannot be read, or the watched ref is not a branch
  4  the repository cannot be read`;

export function registerRollback(program: Command): void {
  program
    .command("rollback")
    .description(
      "revert a commit, or a service's last change, with a new commit pushed to the watched branch",
    )
    .argument("<target>", "a commit id, or a service name")
    .option("-c, --config <file>", "operator configuration: its repository, credentials and branch")
    .option("--repository <url|path>", "the GitOps repository instead of --config")
    .option("--branch <branch>", "the watched branch (default: the configuration's, else main)")
    .option("--dry-run", "show the revert as a diff; push nothing")
    .option("-m, --message <text>", "the commit message's first line")
    .option("--json", "one JSON document on stdout")
    .addHelpText("after", HELP)
    .action(async (target: string, options: RollbackOptions) => {
      process.exitCode = await rollbackCommand(target, options);
    });
}

interface Found {
  readonly commit: BranchCommit;
  readonly only?: ReadonlySet<string>;
}

export async function rollbackCommand(
  target: string,
  options: RollbackOptions,
  io: CommandIo = processIo,
  now: () => number = Date.now,
): Promise<number> {
  const doc: Record<string, unknown> = {
    format_version: VERBS_FORMAT_VERSION,
    target,
    dry_run: options.dryRun === true,
  };
  const fail: Fail = (code, message, errors = []) => {
    if (options.json === true) io.out(json({ ...doc, pushed: false, errors }));
    io.err(`gitfleet rollback: ${message}\n`);
    return code;
  };
  const where = await watchedBranch(options, io.cwd, fail);
  if (typeof where === "number") return where;
  const cacheDir = await mkdtemp(join(os.tmpdir(), "gitfleet-rollback-"));
  try {
    let editor: BranchEditor;
    try {
      editor = await BranchEditor.open(where.repository, where.branch, cacheDir);
    } catch (err) {
      const message = `cannot read ${where.branch}: ${(err as Error).message}`;
      return fail(EXIT_UNOBSERVED, message, [cliError("repo-dir-unreadable", message)]);
    }
    return await revert(editor, target, { options, io, now, doc, fail, branch: where.branch });
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
}

/** Says why the command fails (on stderr, and in the JSON document) and gives its exit code. */
type Fail = (code: number, message: string, errors?: Diagnostic[]) => number;

/** The repository and branch the revert goes to: --repository and --branch, else the configuration's. */
async function watchedBranch(
  options: RollbackOptions,
  cwd: string,
  fail: Fail,
): Promise<{ readonly repository: RepositoryLocation; readonly branch: string } | number> {
  const branch = options.branch ?? "main";
  try {
    if (options.repository !== undefined) return { repository: locationOf(options.repository, cwd), branch };
    const config = await loadOperatorConfig(options.config, { cwd });
    const repository = repositoryOf(config);
    if (config.repository.ref.kind !== "branch" && options.branch === undefined)
      return fail(
        EXIT_USAGE,
        `the operator watches a ${config.repository.ref.kind}, not a branch: name one with --branch`,
      );
    if (config.signature.trustedKeyFiles.length > 0)
      return fail(
        EXIT_USAGE,
        "the operator applies signed commits only: revert with git revert -S and push instead",
      );
    return { repository, branch: options.branch ?? config.repository.ref.value };
  } catch (err) {
    if (err instanceof ConfigError)
      return fail(EXIT_USAGE, `invalid configuration:\n${err.message}`, configErrors(err));
    throw err;
  }
}

interface RevertRun {
  readonly options: RollbackOptions;
  readonly io: CommandIo;
  readonly now: () => number;
  /** The JSON document, filled in as the revert is worked out. */
  readonly doc: Record<string, unknown>;
  readonly fail: Fail;
  readonly branch: string;
}

/** The revert of `target` worked out on the branch's tip, shown (--dry-run) or committed and pushed. */
async function revert(editor: BranchEditor, target: string, run: RevertRun): Promise<number> {
  const { options, io, doc, fail } = run;
  const history = await editor.history();
  const tip = await editor.files(editor.tip);
  const found = await find(target, history, tip, editor);
  if (typeof found === "string") return fail(EXIT_INVALID, found);
  const { commit, only } = found;
  const parent = await editor.files(commit.parent!);
  const reverted = revertChanges(parent, await editor.files(commit.commit), tip, only);
  doc["reverts"] = { commit: commit.commit, subject: subject(commit.message), author: commit.author };
  doc["files"] = [...reverted.changes].map(([path, oid]) => ({
    path,
    change: oid === null ? "removed" : tip.has(path) ? "modified" : "added",
  }));
  if (reverted.conflicts.length > 0)
    return fail(
      EXIT_INVALID,
      `${commit.commit.slice(0, 12)}'s changes to ${reverted.conflicts.join(", ")} were changed again since: revert by hand`,
    );
  if (reverted.changes.size === 0)
    return fail(EXIT_INVALID, `${commit.commit.slice(0, 12)} changed nothing to revert`);
  const diff = await revertDiff(editor, tip, reverted.changes);
  const message = messageFor(target, commit, only, options.message);
  doc["message"] = message;
  doc["diff"] = diff;
  if (options.dryRun === true) {
    if (options.json === true) io.out(json({ ...doc, commit: null, pushed: false, errors: [] }));
    else io.out(`${message}\n${diff}`);
    return EXIT_OK;
  }
  const made = await editor.commit(reverted.changes, message, authorOf(), run.now());
  try {
    await editor.push(made);
  } catch (err) {
    return fail(EXIT_INVALID, `not pushed: ${(err as Error).message} (the branch moved? run it again)`);
  }
  if (options.json === true) io.out(json({ ...doc, commit: made, pushed: true, errors: [] }));
  else io.out(`pushed ${made.slice(0, 12)} to ${run.branch}: ${subject(message)}\n${diff}`);
  return EXIT_OK;
}

/** The revert as a unified diff against the tip, file by file. */
async function revertDiff(
  editor: BranchEditor,
  tip: ReadonlyMap<string, string>,
  changes: ReadonlyMap<string, string | null>,
): Promise<string> {
  let diff = "";
  for (const [path, oid] of changes) {
    const before = tip.has(path) ? await editor.text(tip.get(path)!) : undefined;
    const after = oid === null ? undefined : await editor.text(oid);
    diff += unifiedDiff(path, before, after);
  }
  return diff;
}

/** The commit to revert: the one named, or the newest that changed the service's file. */
async function find(
  target: string,
  history: readonly BranchCommit[],
  tip: ReadonlyMap<string, string>,
  editor: BranchEditor,
): Promise<Found | string> {
  if (/^[0-9a-f]{7,40}$/i.test(target)) {
    const c = history.find((h) => h.commit.startsWith(target.toLowerCase()));
    if (c !== undefined)
      return c.parent === undefined
        ? `${c.commit.slice(0, 12)} has no parent in reach: nothing to revert to`
        : { commit: c };
  }
  if (!/^[a-z][a-z0-9_.-]*$/.test(target))
    return `${target} is neither a commit of the branch's last ${history.length} nor a service name`;
  const files = await serviceFiles(target, tip, editor);
  if (files.size === 0)
    return `no service ${target} on the branch's tip (and no commit ${target} in its last ${history.length})`;
  for (const c of history) {
    if (c.parent === undefined) break;
    const changed = changedPaths(await editor.files(c.parent), await editor.files(c.commit));
    if (changed.some((p) => files.has(p))) return { commit: c, only: files };
  }
  return `no change to ${[...files].join(", ")} in the branch's last ${history.length} commits`;
}

/** The files that define the service on the tip (by its name: services/ documents, or a stack's Compose file). */
async function serviceFiles(
  service: string,
  tip: ReadonlyMap<string, string>,
  editor: BranchEditor,
): Promise<Set<string>> {
  const out = new Set<string>();
  const named = new RegExp(`^name:\\s*["']?${service.replace(/[.]/g, "\\.")}["']?\\s*(#.*)?$`, "m");
  for (const [path, oid] of tip) {
    if (/^services\/.+\.ya?ml$/.test(path) && named.test(await editor.text(oid))) out.add(path);
  }
  const stack = /^([a-z0-9-]+)_(.+)$/.exec(service);
  if (stack !== null)
    for (const name of ["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"]) {
      const path = `stacks/${stack[1]}/${name}`;
      if (tip.has(path)) out.add(path);
    }
  return out;
}

function messageFor(
  target: string,
  c: BranchCommit,
  only: ReadonlySet<string> | undefined,
  first?: string,
): string {
  const what = `"${subject(c.message)}"`;
  const head = first ?? (only === undefined ? `Revert ${what}` : `Roll back ${target}: revert ${what}`);
  const body =
    only === undefined
      ? `This reverts commit ${c.commit}.`
      : `This reverts the changes commit ${c.commit} made to ${[...only].sort().join(", ")}.`;
  return `${head}\n\n${body}\n\nMade by gitfleet rollback.\n`;
}

function authorOf(): { name: string; email: string } {
  const name = process.env["GIT_AUTHOR_NAME"] ?? os.userInfo().username;
  const email = process.env["GIT_AUTHOR_EMAIL"] ?? `${os.userInfo().username}@${os.hostname()}`;
  return { name, email };
}

function subject(message: string): string {
  return (message.split("\n")[0] ?? "").trim();
}

function locationOf(repository: string, cwd: string): RepositoryLocation {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(repository) || /^[^/]+@[^/:]+:/.test(repository)) {
    const auth = credentialsFromEnv();
    return auth !== undefined ? { url: repository, auth } : { url: repository };
  }
  return { path: resolve(cwd, repository) };
}
