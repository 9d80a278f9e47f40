// A bad operator configuration: every problem, each pointing at the line and
// column of the file (or at the environment variable) it came from. The CLI
// prints the message and exits 2 before touching anything.

export interface ConfigIssue {
  /** The config file, or undefined when the value came from an environment variable. */
  readonly file?: string;
  readonly line?: number;
  readonly col?: number;
  /** Set when the offending value came from this environment variable. */
  readonly env?: string;
  readonly message: string;
}

export function formatIssue(issue: ConfigIssue): string {
  if (issue.env !== undefined) return `environment ${issue.env}: ${issue.message}`;
  const where = issue.file ?? "configuration";
  return issue.line !== undefined
    ? `${where}:${issue.line}:${issue.col ?? 1}: ${issue.message}`
    : `${where}: ${issue.message}`;
}

export class ConfigError extends Error {
  readonly code = "config-invalid";
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(issues.map(formatIssue).join("\n"));
    this.name = "ConfigError";
    this.issues = issues;
  }
}

/** A configuration that loads but surely does not do what was meant: shown at start, never fatal. */
export interface ConfigWarning extends ConfigIssue {
  /** Stable: "webhook-without-secret". */
  readonly code: string;
}

export function formatConfigWarning(w: ConfigWarning): string {
  return `${formatIssue({ ...w, message: `warning: ${w.message} [${w.code}]` })}`;
}
