// `gitfleet suspend` / `gitfleet resume`: the operator-side switch (as
// `flux suspend`). Suspended, the operator keeps reconciling the commit it
// applied last (healing, failover, draining go on) and a newer commit waits,
// named in status with the reason. The switch is a file in the operator's
// work_dir, so it survives restarts and is run on the operator's machine with
// its configuration; the running operator reads it on every poll. With
// standby operators (leader_election) it is also a key in etcd, read by every
// instance, so that it holds whichever instance leads, and resume is the
// fleet's: its mark in etcd lifts every instance's file set before it.

import type { Command } from "commander";
import { createEtcdHttp } from "../../adapters/etcd/etcd-http.js";
import type { SharedSuspendSwitch } from "../../adapters/etcd/etcd-suspend.js";
import {
  clearSuspend,
  readSuspend,
  suspendFile,
  suspendNote,
  writeSuspend,
} from "../../adapters/system/suspend-switch.js";
import { ConfigError, loadOperatorConfig, type OperatorConfig } from "../../config/index.js";
import { sharedSwitchOf } from "../../adapters/etcd/fleet-suspend.js";
import { cliError, configErrors } from "../diagnostics.js";
import { EXIT_OK, EXIT_USAGE } from "../exit-codes.js";
import { processIo, type CommandIo } from "../io.js";
import { json, VERBS_FORMAT_VERSION } from "../verbs/status-doc.js";

interface SwitchOptions {
  readonly config?: string;
  readonly reason?: string;
  readonly json?: boolean;
}

const HELP = `
The switch is the file suspended.json in the operator's work_dir (from --config): run this where
the operator runs. With leader_election (standby operators) it is also the key <prefix>/suspended
beside the leader key in etcd, which every instance reads: the fleet stays suspended whichever
instance leads. resume there also leaves the mark <prefix>/resumed: a suspended.json set before
it, in any instance's work_dir, no longer holds. A running operator notices it at its next poll;
it survives restarts. While suspended, new commits wait (status/cluster.yaml: suspended, and
waiting_commit with this reason); the applied commit keeps being reconciled: failed replicas are
replaced, down hosts failed over. gitfleet status -c shows what holds.

Exit codes:
  0  done (also when it was already so)
  2  bad usage, the configuration cannot be read, the work_dir cannot be written, or etcd cannot
     be reached to set or clear the fleet's switch (resume then changes nothing)`;

export function registerSuspend(program: Command): void {
  program
    .command("suspend")
    .description("hold new commits back (healing and failover go on) until gitfleet resume")
    .option("-c, --config <file>", "the operator configuration (its work_dir holds the switch)")
    .option("--reason <text>", "why, shown in status while a commit waits")
    .option("--json", "one JSON document on stdout")
    .addHelpText("after", HELP)
    .action(async (options: SwitchOptions) => {
      process.exitCode = await switchCommand("suspend", options);
    });
  program
    .command("resume")
    .description("let new commits through again (undoes gitfleet suspend)")
    .option("-c, --config <file>", "the operator configuration (its work_dir holds the switch)")
    .option("--json", "one JSON document on stdout")
    .addHelpText("after", HELP)
    .action(async (options: SwitchOptions) => {
      process.exitCode = await switchCommand("resume", options);
    });
}

/** Where the switch lives for this configuration: the work_dir file, and etcd in a standby group. */
interface Switches {
  readonly workDir: string;
  readonly file: string;
  readonly shared: SharedSuspendSwitch | undefined;
}

/** A switch that was set or cleared in one place but not the other: the message says which. */
class SharedSwitchError extends Error {}

// A person waits on this, not a lease: a few seconds per endpoint before saying etcd is unreachable.
const CLI_ETCD_TIMEOUT_MS = 5_000;

function switchesOf(config: OperatorConfig): Switches {
  return { workDir: config.workDir, file: suspendFile(config.workDir), shared: cliSharedSwitch(config) };
}

/** The fleet's switch in etcd as a command reaches it (undefined without leader_election). */
export function cliSharedSwitch(config: OperatorConfig): SharedSuspendSwitch | undefined {
  const election = config.leaderElection;
  if (election === undefined) return undefined;
  const client = createEtcdHttp({ endpoints: election.etcdEndpoints, timeoutMs: CLI_ETCD_TIMEOUT_MS });
  return sharedSwitchOf(config, client, CLI_ETCD_TIMEOUT_MS);
}

export async function switchCommand(
  verb: "suspend" | "resume",
  options: SwitchOptions,
  io: CommandIo = processIo,
): Promise<number> {
  let switches: Switches;
  try {
    switches = switchesOf(await loadOperatorConfig(options.config, { cwd: io.cwd }));
  } catch (err) {
    if (options.json === true)
      io.out(json({ format_version: VERBS_FORMAT_VERSION, errors: configErrors(err) }));
    const what = err instanceof ConfigError ? "invalid configuration" : "cannot read configuration";
    io.err(`gitfleet ${verb}: ${what}:\n${(err as Error).message}\n`);
    return EXIT_USAGE;
  }
  try {
    if (verb === "suspend") await suspend(switches, options, io);
    else await resume(switches, options, io);
    return EXIT_OK;
  } catch (err) {
    const shared = err instanceof SharedSwitchError;
    const message = shared ? err.message : `cannot ${verb}: ${(err as Error).message}`;
    if (options.json === true)
      io.out(
        json({
          format_version: VERBS_FORMAT_VERSION,
          errors: [cliError(shared ? "suspend-switch-unreachable" : "config-invalid", message)],
        }),
      );
    io.err(`gitfleet ${verb}: ${message}\n`);
    return EXIT_USAGE;
  }
}

async function suspend(s: Switches, options: SwitchOptions, io: CommandIo): Promise<void> {
  const note = suspendNote(options.reason, Date.now());
  const beforeLocal = await readSuspend(s.workDir);
  // The file first: should etcd not answer, this instance at least is held.
  await writeSuspend(s.workDir, note);
  let beforeShared = false;
  if (s.shared !== undefined) {
    let revision: number;
    try {
      const before = await s.shared.read();
      if (!before.ok) throw new Error(`${before.code}: ${before.message}`);
      beforeShared = before.hold !== undefined;
      revision = await s.shared.write(note);
    } catch (err) {
      throw new SharedSwitchError(
        `suspended this instance only (${s.file}): the fleet's switch in etcd (${s.shared.key}) ` +
          `could not be set (${(err as Error).message}); another instance that takes the lead ` +
          `would apply new commits once etcd answers again: run gitfleet suspend again`,
      );
    }
    // The revision goes in the file too: a later resume (a newer mark) lifts this file as well.
    await writeSuspend(s.workDir, { ...note, revision });
  }
  const where = s.shared !== undefined ? `${s.file} and etcd key ${s.shared.key}` : s.file;
  if (options.json === true)
    io.out(
      json({
        format_version: VERBS_FORMAT_VERSION,
        suspended: true,
        was_suspended: beforeLocal !== undefined || beforeShared,
        file: s.file,
        etcd_key: s.shared?.key ?? null,
        reason: note.reason ?? null,
        by: note.by ?? null,
        errors: [],
      }),
    );
  else
    io.out(
      `suspended (${where}): new commits wait until gitfleet resume` +
        `${s.shared !== undefined ? ", whichever instance leads" : ""}; healing and failover go on\n`,
    );
}

async function resume(s: Switches, options: SwitchOptions, io: CommandIo): Promise<void> {
  let wasShared = false;
  let revision: number | undefined;
  if (s.shared !== undefined) {
    // etcd first: if it cannot be cleared, nothing is, and the fleet stays suspended as it was.
    // The resume mark set with it lifts every instance's file set before it, here or elsewhere.
    try {
      ({ removed: wasShared, revision } = await s.shared.resume(suspendNote(undefined, Date.now())));
    } catch (err) {
      throw new SharedSwitchError(
        `did not resume: the fleet's switch in etcd (${s.shared.key}) could not be cleared ` +
          `(${(err as Error).message}); nothing was changed, new commits still wait`,
      );
    }
  }
  const was = (await clearSuspend(s.workDir)) || wasShared;
  if (options.json === true)
    io.out(
      json({
        format_version: VERBS_FORMAT_VERSION,
        suspended: false,
        was_suspended: was,
        file: s.file,
        etcd_key: s.shared?.key ?? null,
        resumed_key: s.shared?.resumedKey ?? null,
        resumed_revision: revision ?? null,
        errors: [],
      }),
    );
  else
    io.out(
      (was
        ? `resumed: a waiting commit is applied at the next poll\n`
        : `not suspended (${s.file} absent${s.shared !== undefined ? `, etcd key ${s.shared.key} absent` : ""})\n`) +
        (s.shared !== undefined
          ? `resume mark ${s.shared.resumedKey} at revision ${revision}: a suspended.json set before it ` +
            `in any instance's work_dir no longer holds\n`
          : ""),
    );
}
