// The one logger of the daemon and adapters, on stderr so stdout stays free for
// command output. It is built at import with a level that cannot fail (info):
// the CLI validates --log-level / GITFLEET_LOG_LEVEL and --log-format before a
// command runs and then calls configureLog, so a bad level is a usage error and
// never a stack trace (not even under --help, which never configures it).
// Every argument passes through redactDeep first: a URL with credentials in it
// never reaches a log line, whoever formatted it.

import { writeSync } from "node:fs";
import { pino, type DestinationStream, type Logger } from "pino";
import { redactDeep } from "../../redact.js";

export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export const LOG_FORMATS = ["json", "text"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export function isLogLevel(value: string): boolean {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

export function isLogFormat(value: string): value is LogFormat {
  return (LOG_FORMATS as readonly string[]).includes(value);
}

export function createLogger(destination: DestinationStream, level = "info"): Logger {
  return pino(
    {
      name: "gitfleet",
      level,
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => redactDeep(a)) as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}

const LEVEL_NAMES: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO",
  40: "WARN",
  50: "ERROR",
  60: "FATAL",
};
const OMITTED_IN_TEXT = new Set(["level", "time", "pid", "hostname", "name", "msg"]);

/** One pino JSON line as a human line: `2026-12-06T06:00:00.000Z WARN msg key=value ...`. */
export function textLine(jsonLine: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(jsonLine) as Record<string, unknown>;
  } catch {
    return jsonLine;
  }
  const time = typeof entry["time"] === "number" ? new Date(entry["time"]).toISOString() : "";
  const level = LEVEL_NAMES[entry["level"] as number] ?? String(entry["level"]);
  const fields = Object.entries(entry)
    .filter(([k]) => !OMITTED_IN_TEXT.has(k))
    .map(([k, v]) => `${k}=${typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v)}`);
  return `${[time, level.padEnd(5), String(entry["msg"] ?? ""), ...fields].join(" ")}\n`;
}

let format: LogFormat = "json";

// Written synchronously to fd 2 so a line is out before the process exits.
const stderrDestination: DestinationStream = {
  write(line: string) {
    writeSync(2, format === "text" ? textLine(line) : line);
  },
};

export const log = createLogger(stderrDestination, "info");

/** Sets the level and format of `log` (and of every child logger made from it). */
export function configureLog(options: { level: string; format: LogFormat }): void {
  format = options.format;
  log.level = options.level;
}
