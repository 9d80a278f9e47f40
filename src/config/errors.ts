// A bad operator configuration: every problem, each with a stable code and
// pointing at the line and column of the file (or at the environment
// variable) it came from. The CLI prints the message and exits 2 before
// touching anything.

/**
 * Stable codes of the configuration's problems (match on them, not on messages); the README lists
 * them. The YAML and its shape mirror the spec's codes with a `config-` prefix.
 */
export const CONFIG_ERROR_CODES = [
  /** The configuration file, or a file it names (webhook.secret_file), cannot be read. */
  "config-file-unreadable",
  /** Not YAML, a key without its colon, or more than one document. */
  "config-yaml-syntax",
  "config-not-a-mapping",
  "config-duplicate-key",
  "config-nesting-too-deep",
  "config-number-too-large",
  "config-unknown-key",
  /** A required key is absent (repository, api_url, leader_election.key or ceiling.cluster...). */
  "config-missing-key",
  /** A string where a number was expected, and the like. */
  "config-wrong-type",
  /** A value of the right type that is not allowed: not one of the choices, out of range, empty. */
  "config-bad-value",
  "config-bad-url",
  "config-bad-cron",
  "config-bad-duration",
  "config-bad-size",
  "config-bad-cpus",
  "config-bad-listen",
  /** A key of `variables:` that is not a variable name. */
  "config-bad-variable-name",
  /** Settings that exclude each other (two of branch/tag/semver, url and path...) or do not fit together. */
  "config-conflict",
  /** A webhook secret that is empty or shorter than 16 bytes. */
  "config-weak-secret",
  /** A credentials or secret file that group or others can read. */
  "config-secret-mode",
] as const;

export type ConfigErrorCode = (typeof CONFIG_ERROR_CODES)[number];

/** Stable codes of the configuration's warnings. */
export const CONFIG_WARNING_CODES = ["webhook-without-secret"] as const;

export type ConfigWarningCode = (typeof CONFIG_WARNING_CODES)[number];

/** Where a configuration problem is. */
export interface ConfigPlace {
  /** The config file, or undefined when the value came from an environment variable. */
  readonly file?: string;
  readonly line?: number;
  readonly col?: number;
  /** Set when the offending value came from this environment variable. */
  readonly env?: string;
}

export interface ConfigIssue extends ConfigPlace {
  readonly code: ConfigErrorCode;
  readonly message: string;
}

export function formatIssue(issue: ConfigPlace & { readonly message: string }): string {
  if (issue.env !== undefined) return `environment ${issue.env}: ${issue.message}`;
  const where = issue.file ?? "configuration";
  return issue.line !== undefined
    ? `${where}:${issue.line}:${issue.col ?? 1}: ${issue.message}`
    : `${where}: ${issue.message}`;
}

export class ConfigError extends Error {
  /** The error's own code; each of its issues has a finer one. */
  readonly code = "config-invalid";
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(issues.map(formatIssue).join("\n"));
    this.name = "ConfigError";
    this.issues = issues;
  }
}

/** A configuration that loads but surely does not do what was meant: shown at start, never fatal. */
export interface ConfigWarning extends ConfigPlace {
  readonly code: ConfigWarningCode;
  readonly message: string;
}

export function formatConfigWarning(w: ConfigWarning): string {
  return `${formatIssue({ ...w, message: `warning: ${w.message} [${w.code}]` })}`;
}
