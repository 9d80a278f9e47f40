#!/usr/bin/env node
// The gitfleet command line. Each command lives in commands/ and registers
// itself with one line below; commands set process.exitCode, never exit.

import { Command, CommanderError } from "commander";
import pkg from "../../package.json" with { type: "json" };
import { registerValidate } from "./commands/validate.js";
import { EXIT_USAGE } from "./exit-codes.js";
import { logSettings } from "./log-options.js";
import { configureLog } from "../adapters/system/log.js";

const program = new Command("gitfleet")
  .description("GitOps operator for fleets of plain Docker hosts")
  .version(pkg.version, "-V, --version")
  .showHelpAfterError()
  // Commander exits with 1 on usage errors; 1 means "invalid input" here, so take over.
  .exitOverride()
  .option(
    "--log-level <level>",
    "trace, debug, info, warn, error, fatal or silent (env GITFLEET_LOG_LEVEL; default info)",
  )
  .option(
    "--log-format <format>",
    "json or text (env GITFLEET_LOG_FORMAT; default text on a terminal, else json)",
  )
  // Checked before any command runs (never for --help): a bad level is a usage error.
  .hook("preAction", () => {
    const opts = program.opts<{ logLevel?: string; logFormat?: string }>();
    const settings = logSettings(opts, process.env, process.stderr.isTTY);
    if ("error" in settings) {
      throw new Error(settings.error);
    }
    configureLog(settings);
  });

registerValidate(program);
(await import("./commands/run.js")).registerRun(program);
(await import("./commands/plan.js")).registerPlan(program);
(await import("./commands/init.js")).registerInit(program);
(await import("./commands/status.js")).registerStatus(program);
(await import("./commands/wait.js")).registerWait(program);
(await import("./commands/suspend.js")).registerSuspend(program);
(await import("./commands/rollback.js")).registerRollback(program);

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // --help and --version end with code 0; every other Commander error is a usage error.
    process.exitCode = e.exitCode === 0 ? 0 : EXIT_USAGE;
  } else {
    process.stderr.write(`gitfleet: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = EXIT_USAGE;
  }
}
