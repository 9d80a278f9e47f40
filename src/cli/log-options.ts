// The log level and format a command runs with: --log-level / --log-format win
// over GITFLEET_LOG_LEVEL / GITFLEET_LOG_FORMAT; the format defaults to text on a
// terminal and JSON lines otherwise (journald, docker logs, a file).

import { isLogFormat, isLogLevel, LOG_FORMATS, LOG_LEVELS, type LogFormat } from "../adapters/system/log.js";

export type LogSettings = { level: string; format: LogFormat } | { error: string };

export function logSettings(
  flags: { logLevel?: string; logFormat?: string },
  env: NodeJS.ProcessEnv,
  stderrIsTerminal: boolean | undefined,
): LogSettings {
  const level = pick(flags.logLevel, "--log-level", env["GITFLEET_LOG_LEVEL"], "GITFLEET_LOG_LEVEL") ?? {
    value: "info",
    from: "",
  };
  if (!isLogLevel(level.value)) {
    return {
      error: `invalid log level "${level.value}" (${level.from}); use one of ${LOG_LEVELS.join(", ")}`,
    };
  }
  const format = pick(flags.logFormat, "--log-format", env["GITFLEET_LOG_FORMAT"], "GITFLEET_LOG_FORMAT") ?? {
    value: stderrIsTerminal === true ? "text" : "json",
    from: "",
  };
  if (!isLogFormat(format.value)) {
    return {
      error: `invalid log format "${format.value}" (${format.from}); use one of ${LOG_FORMATS.join(", ")}`,
    };
  }
  return { level: level.value, format: format.value };
}

function pick(
  flag: string | undefined,
  flagName: string,
  envValue: string | undefined,
  envName: string,
): { value: string; from: string } | undefined {
  if (flag !== undefined) return { value: flag, from: flagName };
  if (envValue !== undefined && envValue !== "") return { value: envValue, from: envName };
  return undefined;
}
