// `gitfleet suspend` / `gitfleet resume`: the operator-side switch (as
// `flux suspend`). Suspended, the operator keeps reconciling the commit it
// applied last (healing, failover, draining go on) and a newer commit waits,
// named in status with the reason. The switch is a file in the operator's
// work_dir, so it survives restarts and is run on the operator's machine with
// its configuration; the running operator reads it on every poll.

import type { Command } from "commander";
import {
  clearSuspend,
  readSuspend,
  suspendFile,
  writeSuspend,
} from "../../adapters/system/suspend-switch.js";
import { ConfigError, loadOperatorConfig } from "../../config/index.js";
import { configErrors } from "../diagnostics.js";
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
the operator runs. A running operator notices it at its next poll; it survives restarts. While
suspended, new commits wait (status/cluster.yaml: waiting_commit, with this reason); the applied
commit keeps being reconciled: failed replicas are replaced, down hosts failed over.

Exit codes:
  0  done (also when it was already so)
  2  bad usage, the configuration cannot be read, or the work_dir cannot be written`;

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

// eslint-disable-next-line max-lines-per-function -- suspend and resume: the configuration, the switch file and each outcome's text and JSON, in order
export async function switchCommand(
  verb: "suspend" | "resume",
  options: SwitchOptions,
  io: CommandIo = processIo,
): Promise<number> {
  let workDir: string;
  try {
    workDir = (await loadOperatorConfig(options.config, { cwd: io.cwd })).workDir;
  } catch (err) {
    if (options.json === true)
      io.out(json({ format_version: VERBS_FORMAT_VERSION, errors: configErrors(err) }));
    const what = err instanceof ConfigError ? "invalid configuration" : "cannot read configuration";
    io.err(`gitfleet ${verb}: ${what}:\n${(err as Error).message}\n`);
    return EXIT_USAGE;
  }
  const file = suspendFile(workDir);
  try {
    const before = await readSuspend(workDir);
    if (verb === "suspend") {
      const note = await writeSuspend(workDir, options.reason, Date.now());
      if (options.json === true)
        io.out(
          json({
            format_version: VERBS_FORMAT_VERSION,
            suspended: true,
            was_suspended: before !== undefined,
            file,
            reason: note.reason ?? null,
            by: note.by ?? null,
            errors: [],
          }),
        );
      else
        io.out(`suspended (${file}): new commits wait until gitfleet resume; healing and failover go on\n`);
    } else {
      const was = await clearSuspend(workDir);
      if (options.json === true)
        io.out(
          json({
            format_version: VERBS_FORMAT_VERSION,
            suspended: false,
            was_suspended: was,
            file,
            errors: [],
          }),
        );
      else
        io.out(
          was
            ? `resumed: a waiting commit is applied at the next poll\n`
            : `not suspended (${file} absent)\n`,
        );
    }
    return EXIT_OK;
  } catch (err) {
    const message = `cannot ${verb}: ${(err as Error).message}`;
    if (options.json === true)
      io.out(
        json({
          format_version: VERBS_FORMAT_VERSION,
          errors: [{ path: "", line: 0, col: 0, code: "config-invalid", message }],
        }),
      );
    io.err(`gitfleet ${verb}: ${message}\n`);
    return EXIT_USAGE;
  }
}
