// `gitfleet wait <commit>`: block until the operator has applied that commit
// and every service is healthy at it (exit 0), or has refused it: rejected,
// or a rollout rolled back or paused (exit 1, with the reason); 124 when
// --timeout passes first. It reads the status branch only, so a CI job needs
// read access to the repository and no Docker credentials (as `argocd app
// wait` or `kubectl rollout status` after a push).

import type { Command } from "commander";
import { isoTime } from "../../status/format.js";
import { parseDuration } from "../../spec/units.js";
import { waitVerdict, type WaitVerdict } from "../../status/wait-verdict.js";
import { cliError, type Diagnostic } from "../diagnostics.js";
import { EXIT_INVALID, EXIT_OK, EXIT_TIMEOUT, EXIT_UNOBSERVED, EXIT_USAGE } from "../exit-codes.js";
import { processIo, type CommandIo } from "../io.js";
import {
  statusBranchOptions,
  openStatusReader,
  StatusBranchReader,
  type StatusBranchOptions,
  type StatusRead,
} from "../status-branch.js";
import { json, VERBS_FORMAT_VERSION } from "../verbs/status-doc.js";

export interface WaitCommandOptions extends StatusBranchOptions {
  readonly timeout?: string;
  readonly interval?: string;
  readonly json?: boolean;
}

const HELP = `
Reads the status branch every --interval. Done when status names the commit:
  applied     it is the desired commit and the cluster converged on it (every service at its
              desired count, updated and healthy): exit 0
  rejected    the operator refused it (invalid, unsigned, a guarded deletion, ...): exit 1
  rolled-back a service's rollout failed and was rolled back (never reported as success): exit 1
  paused      a service's rollout failed and was paused: exit 1
While it waits (not seen yet, suspended, in a deny window, rolling out) it says why on stderr.
A commit superseded by a newer one before it was applied is never named by status: wait for
the newest commit instead.

Exit codes:
  0    applied and healthy
  1    rejected, rolled back or paused (the reason on stderr, and in --json)
  2    bad usage, or the configuration cannot be read
  4    the status branch cannot be read (status-unreadable)
  124  --timeout passed first`;

export function registerWait(program: Command): void {
  statusBranchOptions(
    program
      .command("wait")
      .description("wait until a commit is applied and healthy, or refused (reads the status branch)")
      .argument("<commit>", "the commit id (full or at least 7 hex digits)"),
  )
    .option("--timeout <duration>", "give up after this long, exit 124", "10m")
    .option("--interval <duration>", "how often the status branch is read", "2s")
    .option("--json", "one JSON document on stdout at the end")
    .addHelpText("after", HELP)
    .action(async (commit: string, options: WaitCommandOptions) => {
      process.exitCode = await waitCommand(commit, options);
    });
}

export interface WaitClock {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

const realClock: WaitClock = {
  now: Date.now,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export async function waitCommand(
  commit: string,
  options: WaitCommandOptions,
  io: CommandIo = processIo,
  clock: WaitClock = realClock,
): Promise<number> {
  const started = clock.now();
  const seen: Seen = {};
  const finish = finisher(commit, options, io, () => Math.round((clock.now() - started) / 1000), seen);
  if (!/^[0-9a-f]{7,40}$/i.test(commit))
    return finish(EXIT_USAGE, [], `${commit}: not a commit id (7 to 40 hex digits)`);
  const timeout = parseDuration(options.timeout ?? "10m");
  const interval = parseDuration(options.interval ?? "2s");
  if (!timeout.ok) return finish(EXIT_USAGE, [], `--timeout ${options.timeout}: ${timeout.reason}`);
  if (!interval.ok) return finish(EXIT_USAGE, [], `--interval ${options.interval}: ${interval.reason}`);
  const reader = await openStatusReader(options, io.cwd, finish);
  if (typeof reader === "number") return reader;
  try {
    const deadline = started + timeout.value;
    return await poll(reader, commit, {
      deadline,
      intervalMs: interval.value,
      options,
      io,
      clock,
      seen,
      finish,
    });
  } finally {
    await reader.close();
  }
}

/** The last verdict reached, with the status read it came from. */
interface Seen {
  last?: { verdict: WaitVerdict; read?: StatusRead };
}

/** Ends the command: the JSON document or the line, and the exit code. */
type Finish = (code: number, errors: Diagnostic[], text: string) => number;

function finisher(
  commit: string,
  options: WaitCommandOptions,
  io: CommandIo,
  waitedSeconds: () => number,
  seen: Seen,
): Finish {
  return (code, errors, text) => {
    if (options.json === true) {
      const { last } = seen;
      const read = last?.read;
      io.out(
        json({
          format_version: VERBS_FORMAT_VERSION,
          commit,
          done: last?.verdict.done ?? false,
          outcome: code === EXIT_TIMEOUT ? "timeout" : (last?.verdict.outcome ?? "unknown"),
          reason: text,
          services: last?.verdict.services ?? [],
          status_commit: read !== undefined ? { commit: read.commit, time: isoTime(read.timestamp) } : null,
          waited_seconds: waitedSeconds(),
          errors,
        }),
      );
    }
    if (code === EXIT_OK && options.json !== true) io.out(`${text}\n`);
    else io.err(`gitfleet wait: ${text}\n`);
    return code;
  };
}

interface Polling {
  readonly deadline: number;
  readonly intervalMs: number;
  readonly options: WaitCommandOptions;
  readonly io: CommandIo;
  readonly clock: WaitClock;
  readonly seen: Seen;
  readonly finish: Finish;
}

/** Reads the status branch every interval until the commit's verdict is done or the deadline passes. */
async function poll(reader: StatusBranchReader, commit: string, p: Polling): Promise<number> {
  const { deadline, options, io, clock, seen, finish } = p;
  let said = "";
  let reads = 0;
  for (;;) {
    let read: StatusRead | undefined;
    let ok = false;
    try {
      read = await reader.read();
      reads += 1;
      ok = true;
    } catch (err) {
      const message = `cannot read ${reader.where}: ${(err as Error).message}`;
      // The first read decides whether the repository can be read at all; later failures are retried.
      if (reads === 0) return finish(EXIT_UNOBSERVED, [cliError("status-unreadable", message)], message);
      if (said !== message) io.err(`${message} (retrying)\n`);
      said = message;
    }
    if (ok) {
      const verdict = waitVerdict(commit, read?.view);
      seen.last = { verdict, ...(read !== undefined ? { read } : {}) };
      if (verdict.done)
        return finish(verdict.outcome === "applied" ? EXIT_OK : EXIT_INVALID, [], verdict.reason);
      if (said !== verdict.reason && options.json !== true) io.err(`${verdict.reason}\n`);
      said = verdict.reason;
    }
    if (clock.now() >= deadline) {
      const why = seen.last?.verdict.reason ?? "no status read";
      return finish(EXIT_TIMEOUT, [], `timed out after ${options.timeout ?? "10m"}: ${why}`);
    }
    await clock.sleep(Math.max(0, Math.min(p.intervalMs, deadline - clock.now())));
  }
}
