// Problems as --json documents carry them: {path, line, col, code, message}.
// Spec problems point into the repository (paths relative to its root); the
// operator configuration's into its file, named as given with --config (it is
// not part of the repository); problems that are nowhere in a file (an
// unreadable directory, no desired state) have path "" and line/col 0.

import { ConfigError, type ConfigIssue, type ConfigWarning } from "../config/index.js";
import type { SpecError } from "../model/spec.js";

export interface Diagnostic {
  readonly path: string;
  readonly line: number;
  readonly col: number;
  readonly code: string;
  readonly message: string;
}

/**
 * Codes of the command line's own problems (beside the spec's and the operator's), stable like them:
 * config-invalid (an operator configuration that could not be loaded, where no config-* code of
 * CONFIG_ERROR_CODES says more), repo-dir-unreadable, no-desired-state
 * (the repository has no commit the operator would apply, or Git cannot be reached), status-unreadable
 * (no status branch to read), status-stale (status older than the bound), suspend-switch-unreachable
 * (suspend/resume could not set or clear the fleet's switch in etcd), suspend-switch-unknown (status
 * cannot say whether the fleet is suspended: the switch could not be read).
 */
export const CLI_ERROR_CODES = [
  "config-invalid",
  "repo-dir-unreadable",
  "no-desired-state",
  "status-unreadable",
  "status-stale",
  "suspend-switch-unreachable",
  "suspend-switch-unknown",
] as const;

export type CliErrorCode = (typeof CLI_ERROR_CODES)[number];

export function diagnostic(e: SpecError): Diagnostic {
  return { path: e.path, line: e.line, col: e.col, code: e.code, message: e.message };
}

export function cliError(code: CliErrorCode, message: string): Diagnostic {
  return { path: "", line: 0, col: 0, code, message };
}

/** A configuration problem from the file (line:col) or from an environment variable (named in the message). */
function configIssue(issue: ConfigIssue | ConfigWarning): Diagnostic {
  const env = issue.env !== undefined ? `environment ${issue.env}: ` : "";
  return {
    path: issue.env !== undefined ? "" : (issue.file ?? ""),
    line: issue.env !== undefined ? 0 : (issue.line ?? 0),
    col: issue.env !== undefined ? 0 : (issue.col ?? (issue.line !== undefined ? 1 : 0)),
    code: issue.code,
    message: `${env}${issue.message}`,
  };
}

export function configWarnings(warnings: readonly ConfigWarning[] | undefined): Diagnostic[] {
  return (warnings ?? []).map(configIssue);
}

/** Every problem of a configuration that could not be loaded (a ConfigError lists each; else one). */
export function configErrors(err: unknown): Diagnostic[] {
  if (err instanceof ConfigError) return err.issues.map(configIssue);
  return [cliError("config-invalid", err instanceof Error ? err.message : String(err))];
}
