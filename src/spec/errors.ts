// Stable error codes and the collector every check reports into. Codes are
// the contract for tools and tests; messages are for people and may improve.

import type { SourceRef, SpecError } from "../model/spec.js";

export const SPEC_ERROR_CODES = [
  // files and YAML
  "file-too-large",
  "commit-too-large",
  "symlink",
  "nesting-too-deep",
  "number-too-large",
  "binary-file",
  "empty-file",
  "yaml-syntax",
  "not-a-mapping",
  "missing-kind",
  "unknown-kind",
  "wrong-kind",
  "missing-cluster",
  "multiple-clusters",
  "multiple-compose-files",
  // interpolation (${VAR}) and .env files
  "undefined-variable",
  "bad-interpolation",
  "bad-env-file",
  "unclosed-quote",
  "text-after-quote",
  // schema (shape of one document)
  "schema",
  "unknown-key",
  "unsupported-key",
  "invalid-name",
  "bad-duration",
  "bad-cron",
  "bad-time-zone",
  "bad-size",
  "bad-cpus",
  "bad-port",
  "bad-constraint",
  "bad-command",
  "bad-volume",
  // meaning of one document
  "duplicate-key",
  "env-conflict",
  "relative-bind-mount",
  "global-replicas",
  "duplicate-mount",
  "reservation-above-limit",
  "reserved-label",
  // across documents
  "duplicate-service",
  "duplicate-host",
  "depends-on-unknown",
  "depends-on-cycle",
  "unknown-network",
  "unknown-volume",
  "unknown-config",
  "unsupported-config",
  "port-conflict",
  "port-reserved",
  "too-many-replicas",
  "too-many-errors",
  "unsatisfiable-constraint",
  "reservation-too-large",
  "policy-privileged",
  "policy-host-network",
  "policy-bind-mount",
  "policy-docker-socket",
  // the operator's ceiling (src/model/ceiling.ts), never widened by cluster.yaml
  "ceiling-cluster-name",
  "ceiling-endpoint",
  "ceiling-privileged",
  "ceiling-host-network",
  "ceiling-bind-mount",
  "ceiling-cap-add",
  "ceiling-replicas",
  "ceiling-replicas-total",
  "ceiling-memory",
  "ceiling-cpus",
  "ceiling-secret",
  "ceiling-security-opt",
  "ceiling-sysctl",
  "ceiling-host-pid",
  "ceiling-host-ipc",
  "secret-namespace",
] as const;

export type SpecErrorCode = (typeof SPEC_ERROR_CODES)[number];

/** Warnings: the commit is applied, but something in it is probably not what was meant. */
export const SPEC_WARNING_CODES = [
  "ignored-file", // a YAML file outside cluster.yaml, services/ and stacks/<stack>/: never read
  "no-services", // nothing under services/: applying the commit removes every service
  "size-without-unit", // a memory size written as a bare number is bytes
  "plain-tcp-engine", // a Docker engine on tcp:// without tls
  "no-effect", // a setting that the rest of the spec makes meaningless
  "ignored-key", // a Compose key that means nothing across hosts (container_name, pull_policy, ...)
  "bare-environment", // environment KEY without a value that no variable defines: left out, as Compose does
  "bind-mount-mapped", // a stack's ./path bind mount: its files copied in, or a host-local named volume
  "profile-inactive", // a stack's service whose profiles COMPOSE_PROFILES does not activate: not deployed
] as const;

export type SpecWarningCode = (typeof SPEC_WARNING_CODES)[number];

/** Problems (and warnings) kept per commit: enough to fix a broken repository, bounded for status and logs. */
export const MAX_PROBLEMS = 500;

/** Collects problems; nothing stops at the first one, but at most MAX_PROBLEMS are kept. */
export class Problems {
  private readonly list: SpecError[] = [];
  private readonly warningList: SpecError[] = [];
  private dropped = 0;
  private firstDropped: SourceRef | undefined;
  /** Silenced ranges by `path` and line (a range spanning lines is under each of them). */
  private readonly silenced = new Map<string, Span[]>();

  add(at: SourceRef, code: SpecErrorCode, message: string): void {
    if (this.isSilenced(at)) return;
    if (this.list.length >= MAX_PROBLEMS) {
      this.dropped += 1;
      this.firstDropped ??= at;
      return;
    }
    this.list.push({ path: at.path, line: at.line, col: at.col, code, message });
  }

  /**
   * Errors reported from now on in `path` from `from` up to (not including) `to` are dropped:
   * an error already reported there explains the place, and what a later check finds in it
   * (the raw text of a value that could not be interpolated) is only its consequence.
   */
  silence(path: string, from: LinePos, to: LinePos): void {
    const span: Span = { from, to };
    for (let line = from.line; line <= to.line; line++) {
      const key = `${path}\n${line}`;
      const spans = this.silenced.get(key);
      if (spans === undefined) this.silenced.set(key, [span]);
      else spans.push(span);
    }
  }

  private isSilenced(at: SourceRef): boolean {
    const spans = this.silenced.get(`${at.path}\n${at.line}`);
    return spans?.some((s) => !before(at, s.from) && before(at, s.to)) ?? false;
  }

  warn(at: SourceRef, code: SpecWarningCode, message: string): void {
    if (this.warningList.length >= MAX_PROBLEMS) return;
    this.warningList.push({ path: at.path, line: at.line, col: at.col, code, message });
  }

  warnings(): SpecError[] {
    return sortErrors(this.warningList);
  }

  get count(): number {
    return this.list.length + this.dropped;
  }

  sorted(): SpecError[] {
    const sorted = sortErrors(this.list);
    if (this.firstDropped === undefined) return sorted;
    const at = this.firstDropped;
    const more: SpecError = {
      path: at.path,
      line: at.line,
      col: at.col,
      code: "too-many-errors",
      message: `${this.dropped} more problems not listed (only the first ${MAX_PROBLEMS} are)`,
    };
    return [...sorted, more];
  }
}

/** A place in a file: 1-based line and column. */
export interface LinePos {
  readonly line: number;
  readonly col: number;
}

interface Span {
  readonly from: LinePos;
  readonly to: LinePos;
}

function before(a: LinePos, b: LinePos): boolean {
  return a.line < b.line || (a.line === b.line && a.col < b.col);
}

export function sortErrors(errors: readonly SpecError[]): SpecError[] {
  return [...errors].sort(
    (a, b) =>
      compare(a.path, b.path) ||
      a.line - b.line ||
      a.col - b.col ||
      compare(a.code, b.code) ||
      compare(a.message, b.message),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Where a problem is, as people read it: `path:line:col`, or only `path` when
 * it has no place in a file (line 0: the file is missing, or the whole
 * repository is at fault) rather than pretending to point into it.
 */
export function specPlace(e: Pick<SpecError, "path" | "line" | "col">): string {
  return e.line > 0 ? `${e.path}:${e.line}:${e.col}` : e.path;
}

/** The one-line form used on the command line and in status: `path:line:col: message`. */
export function formatSpecError(e: SpecError): string {
  return `${specPlace(e)}: ${e.message}`;
}

/** A warning's line: `path:line:col: warning: message [code]`. */
export function formatSpecWarning(w: SpecError): string {
  return `${specPlace(w)}: warning: ${w.message} [${w.code}]`;
}
