// `gitfleet status`: the cluster as the operator last committed it to the
// status branch, as terminal tables (or --json). It reads the status branch
// only, never the Docker hosts: it needs read access to the repository and
// no Docker credentials, so it works from CI and laptops alike. It is as fresh
// as the last status commit (the operator commits when something changed, at
// most every 5 s), and says how old that commit is.

import type { Command } from "commander";
import type { OperatorConfig } from "../../config/index.js";
import { suspendStateReader } from "../../adapters/etcd/fleet-suspend.js";
import { workDirHere } from "../../adapters/system/suspend-switch.js";
import { isoTime } from "../../status/format.js";
import { suspensionView, type SuspensionView } from "../../status/suspension.js";
import { cliSharedSwitch } from "./suspend.js";
import { parseDuration } from "../../spec/units.js";
import { cliError, type Diagnostic } from "../diagnostics.js";
import { EXIT_OK, EXIT_UNOBSERVED, EXIT_USAGE } from "../exit-codes.js";
import { processIo, type CommandIo } from "../io.js";
import { age, openStatusReader, statusBranchOptions, type StatusBranchOptions } from "../status-branch.js";
import { json, statusDoc, VERBS_FORMAT_VERSION } from "../verbs/status-doc.js";
import { renderStatusTable } from "../verbs/status-table.js";

export interface StatusCommandOptions extends StatusBranchOptions {
  readonly json?: boolean;
  readonly maxAge?: string;
}

const HELP = `
Reads the status branch only (never the Docker hosts): as fresh as the last status commit, whose
time and age are printed first. The one exception is the suspend switch: with the operator
configuration (not --repository), on the machine where its work_dir is, it is read where it is
kept, the work_dir file and with leader_election the fleet's etcd key; "unknown" when etcd does
not answer, never "not suspended".

Exit codes:
  0  status read and shown (whatever the cluster's sync state)
  2  bad usage, or the configuration cannot be read
  4  the status branch cannot be read or does not exist (status-unreadable), or it is older
     than --max-age (status-stale), or the suspend switch is unknown (suspend-switch-unknown:
     read live, or as the operator last recorded it; the status is still shown)`;

/**
 * The suspend switch: read where it is kept when the command runs with the operator configuration
 * where its work_dir is (its file, and with leader_election the fleet's etcd key: `source:
 * switch`), else as the operator last wrote it to the status branch (`source: status-branch`): a
 * work_dir absent here says nothing about the file on the operator's machine.
 */
async function suspensionOf(
  config: OperatorConfig | undefined,
  recorded: SuspensionView,
): Promise<SuspensionView & { readonly source: string }> {
  if (config === undefined || !(await workDirHere(config.workDir)))
    return { ...recorded, source: "status-branch" };
  const state = await suspendStateReader(config.workDir, cliSharedSwitch(config))();
  return { ...suspensionView(state), source: "switch" };
}

/**
 * Why the status cannot say whether the fleet is suspended (undefined when it can). Everything
 * else is shown, but the exit is 4, as for a status that cannot be read: a script must not take
 * "new commits may be held back, or not" for green.
 */
function unknownSwitch(s: SuspensionView & { readonly source: string }): string | undefined {
  if (s.state !== "unknown") return undefined;
  const where = s.source === "switch" ? "could not be read" : "could not be read by the operator";
  return `the suspend switch ${where} (${s.error ?? s.error_code ?? "no reason given"}): suspended or not is unknown`;
}

export function registerStatus(program: Command): void {
  statusBranchOptions(
    program.command("status").description("show the cluster as the status branch records it (read-only)"),
  )
    .option("--json", "one JSON document on stdout")
    .option("--max-age <duration>", "exit 4 when the status commit is older than this (e.g. 10m)")
    .addHelpText("after", HELP)
    .action(async (options: StatusCommandOptions) => {
      process.exitCode = await statusCommand(options);
    });
}

// eslint-disable-next-line max-lines-per-function -- the command's steps in order, each failure its exit code and JSON error beside it
export async function statusCommand(
  options: StatusCommandOptions,
  io: CommandIo = processIo,
  now: () => number = Date.now,
): Promise<number> {
  const fail = (code: number, errors: Diagnostic[], text: string): number => {
    if (options.json === true) io.out(json({ format_version: VERBS_FORMAT_VERSION, errors }));
    io.err(`gitfleet status: ${text}\n`);
    return code;
  };
  const maxAge = options.maxAge === undefined ? undefined : parseDuration(options.maxAge);
  if (maxAge !== undefined && !maxAge.ok)
    return fail(EXIT_USAGE, [], `--max-age ${options.maxAge}: ${maxAge.reason}`);
  const reader = await openStatusReader(options, io.cwd, fail);
  if (typeof reader === "number") return reader;
  try {
    let read;
    try {
      read = await reader.read();
    } catch (err) {
      const message = `cannot read ${reader.where}: ${(err as Error).message}`;
      return fail(EXIT_UNOBSERVED, [cliError("status-unreadable", message)], message);
    }
    if (read === undefined || read.view === undefined) {
      const message = `no status on ${reader.where} (is the operator running and writing status there?)`;
      return fail(EXIT_UNOBSERVED, [cliError("status-unreadable", message)], message);
    }
    const ageMs = now() - read.timestamp;
    const source = {
      commit: read.commit,
      time: isoTime(read.timestamp),
      age_seconds: Math.round(ageMs / 1000),
    };
    if (maxAge?.ok === true && ageMs > maxAge.value) {
      const message = `the status commit ${read.commit.slice(0, 12)} is ${age(ageMs)} old (more than --max-age ${options.maxAge})`;
      return fail(EXIT_UNOBSERVED, [cliError("status-stale", message)], message);
    }
    const view = { ...read.view, suspended: await suspensionOf(reader.config, read.view.suspended) };
    const unknown = unknownSwitch(view.suspended);
    if (options.json === true)
      io.out(
        json({
          format_version: VERBS_FORMAT_VERSION,
          status_commit: source,
          ...statusDoc(view),
          errors: unknown !== undefined ? [cliError("suspend-switch-unknown", unknown)] : [],
        }),
      );
    else
      io.out(
        renderStatusTable({
          view,
          statusCommit: read.commit,
          statusTime: source.time,
          age: age(ageMs),
          where: reader.where,
        }),
      );
    if (unknown === undefined) return EXIT_OK;
    io.err(`gitfleet status: ${unknown}\n`);
    return EXIT_UNOBSERVED;
  } finally {
    await reader.close();
  }
}
