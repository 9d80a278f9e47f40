// `gitfleet run --config FILE`: the operator. A bad configuration is reported
// with every problem and exit 2 before anything is touched. Long-running by
// default; SIGTERM/SIGINT finish the current step, write status and exit 0.
// --once converges once and exits: for CI, scripts and tests.

import type { Command } from "commander";
import {
  ConfigError,
  formatConfigWarning,
  loadOperatorConfig,
  type OperatorConfig,
} from "../../config/index.js";
import { buildOperator } from "../../daemon/bootstrap.js";
import type { Operator } from "../../daemon/operator.js";
import { redactUrl } from "../../adapters/git/index.js";
import { log } from "../../adapters/system/log.js";
import { EXIT_INVALID, EXIT_LOCKED, EXIT_OK, EXIT_USAGE } from "../exit-codes.js";
import { processIo, type CommandIo } from "../io.js";

export interface RunOptions {
  readonly config?: string;
  readonly once?: boolean;
}

const HELP = `
Exit codes:
  0  stopped by SIGTERM/SIGINT after finishing the current step and writing status;
     with --once: the cluster converged on the desired commit
  1  with --once: not converged (a rollout failed, a host did not answer, the newest
     commit was rejected, or Git / the status branch could not be reached)
  2  the configuration is invalid or unreadable (nothing was touched)
  5  another operator holds the cluster lock (its host, pid and start time are printed);
     nothing was changed. A crashed operator's lock is taken over once its lease (15 s)
     runs out without renewal; the same operator restarted takes its own lock back at once

Logs go to stderr: text lines on a terminal, JSON lines otherwise (--log-format);
--log-level debug (or GITFLEET_LOG_LEVEL=debug) shows every pass.
Every setting can also come from GITFLEET_* environment variables (see schemas/operator.schema.json).`;

export function registerRun(program: Command): void {
  program
    .command("run")
    .description("run the operator: keep the Docker hosts converged on the Git repository and report status")
    .option(
      "-c, --config <file>",
      "operator configuration (YAML); optional when GITFLEET_* variables configure it",
    )
    .option("--once", "converge once (passes until nothing is left to do, at most 10), then exit 0 or 1")
    .addHelpText("after", HELP)
    .action(async (options: RunOptions) => {
      process.exitCode = await run(options);
    });
}

export async function run(options: RunOptions, io: CommandIo = processIo): Promise<number> {
  let config: OperatorConfig;
  let operator: Operator;
  try {
    config = await loadOperatorConfig(options.config, { cwd: io.cwd });
    operator = await buildOperator(config, { logger: log, once: options.once === true });
  } catch (err) {
    io.err(`gitfleet run: ${err instanceof ConfigError ? "invalid configuration" : "cannot start"}:\n`);
    io.err(`${indent(err instanceof Error ? err.message : String(err))}\n`);
    return EXIT_USAGE;
  }
  for (const w of config.warnings ?? []) io.err(`${formatConfigWarning(w)}\n`);
  const url = config.repository.url;
  const where = url !== undefined ? redactUrl(url) : (config.repository.path ?? "");
  log.info(
    {
      repository: where,
      ref: config.repository.ref,
      status: config.status.branch,
      once: options.once === true,
    },
    "gitfleet starting",
  );
  if (config.ceiling.endpoints === undefined) {
    log.warn(
      "ceiling.endpoints is not set: cluster.yaml may name any Docker endpoint, and no replica receives a secret (env_secrets, registry credentials) until the engines this operator may manage are listed (SECURITY.md)",
    );
  }
  if (options.once === true) return runOnce(operator, io);
  return runForever(operator, io);
}

async function runOnce(operator: Operator, io: CommandIo): Promise<number> {
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  try {
    const out = await operator.runOnce(10, abort.signal);
    if (out.locked !== undefined || out.standby === true) {
      io.err(`gitfleet run: ${out.error ?? "the cluster is locked by another operator"}\n`);
      return EXIT_LOCKED;
    }
    const done = out.ok && out.converged && out.snapshot?.rejected === undefined;
    log.info(
      { ok: out.ok, converged: out.converged, commit: out.snapshot?.desired?.commit },
      done ? "converged" : "not converged",
    );
    return done ? EXIT_OK : EXIT_INVALID;
  } finally {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
  }
}

async function runForever(operator: Operator, io: CommandIo): Promise<number> {
  try {
    await operator.start();
  } catch (err) {
    // e.g. the webhook's port is taken: nothing has been done to any host yet.
    io.err(`gitfleet run: cannot start: ${err instanceof Error ? err.message : String(err)}\n`);
    await operator.stop().catch(() => undefined);
    return EXIT_USAGE;
  }
  let refused: string | undefined;
  await new Promise<void>((resolve) => {
    let stopping = false;
    // Another operator holds the cluster: say who, stop without touching anything, exit 5.
    operator.onFatal((why) => {
      refused = why;
      io.err(`gitfleet run: ${why}\n`);
      if (stopping) return;
      stopping = true;
      void operator.stop().then(resolve, () => resolve());
    });
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        // A second signal: the user does not want to wait for the current step.
        log.warn({ signal }, "second signal: exiting at once");
        process.exit(130);
      }
      stopping = true;
      log.info({ signal }, "stopping: finishing the current step, then writing status");
      void operator.stop().then(resolve, (err: unknown) => {
        log.error({ err: err instanceof Error ? err.message : String(err) }, "error while stopping");
        resolve();
      });
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
  log.info("stopped");
  const code = refused !== undefined ? EXIT_LOCKED : EXIT_OK;
  // Keep-alive sockets of the Docker and Git clients must not hold the process open.
  setTimeout(() => process.exit(process.exitCode ?? code), 2_000).unref();
  return code;
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => `  ${l}`)
    .join("\n");
}
