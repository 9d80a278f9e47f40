// Errors of the Git adapter, each with a stable `code`, and the translation of
// whatever isomorphic-git or the network throws into one of them with a
// message an operator can act on. Credentials never appear in a message.

import { SshError, type SshErrorCode } from "../ssh/errors.js";

export type GitErrorCode =
  | "git-auth-failed"
  | "git-host-key" // SSH: the server's host key is not pinned, or differs from the pin
  | "git-timeout"
  | "git-unreachable"
  | "git-http-error"
  | "git-ref-not-found"
  | "git-push-rejected"
  | "git-repo-not-found"
  | "git-credentials-invalid"
  | "git-config-invalid"
  | "git-error";

export class GitAdapterError extends Error {
  constructor(
    readonly code: GitErrorCode,
    message: string,
    options?: { readonly cause?: unknown },
  ) {
    super(message, options);
    this.name = "GitAdapterError";
  }
}

/** The URL without user, password or query (which may carry tokens). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    u.search = "";
    return u.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, "//");
  }
}

interface ErrorLike {
  readonly code?: unknown;
  readonly message?: unknown;
  readonly data?: { readonly statusCode?: unknown; readonly statusMessage?: unknown };
  readonly cause?: unknown;
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "ETIMEDOUT",
  "UND_ERR_SOCKET",
]);

/** Translate any failure talking to `url` into a GitAdapterError. */
export function toGitError(err: unknown, url: string, hasCredentials: boolean): GitAdapterError {
  if (err instanceof GitAdapterError) return err;
  if (err instanceof SshError) return fromSshError(err);
  const e = (typeof err === "object" && err !== null ? err : {}) as ErrorLike;
  const where = redactUrl(url);
  const code = typeof e.code === "string" ? e.code : "";
  const text = typeof e.message === "string" ? e.message : String(err);
  if (code === "HttpError") {
    const status = Number(e.data?.statusCode);
    if (status === 401 || status === 403 || status === 203) {
      const hint = hasCredentials
        ? "the server refused the configured credentials (wrong username, password or token?)"
        : "the server requires credentials and none are configured";
      return new GitAdapterError(
        "git-auth-failed",
        `authentication failed for ${where} (HTTP ${status}): ${hint}`,
        {
          cause: err,
        },
      );
    }
    if (status === 404) {
      return new GitAdapterError("git-repo-not-found", `no Git repository at ${where} (HTTP 404)`, {
        cause: err,
      });
    }
    return new GitAdapterError("git-http-error", `Git server ${where} answered HTTP ${status}`, {
      cause: err,
    });
  }
  if (NETWORK_CODES.has(code)) {
    return new GitAdapterError("git-unreachable", `cannot reach Git server ${where}: ${code}`, {
      cause: err,
    });
  }
  if (code === "SmartHttpError") {
    return new GitAdapterError("git-http-error", `${where} does not speak the smart HTTP Git protocol`, {
      cause: err,
    });
  }
  return new GitAdapterError("git-error", `Git operation on ${where} failed: ${redactText(text)}`, {
    cause: err,
  });
}

/** Remove anything that looks like credentials embedded in a URL inside free text. */
function redactText(text: string): string {
  return text.replace(/(\w+:\/\/)[^\s/@]+@/g, "$1");
}

const SSH_CODES: Readonly<Record<SshErrorCode, GitErrorCode>> = {
  "ssh-host-key-unknown": "git-host-key",
  "ssh-host-key-changed": "git-host-key",
  "ssh-host-key-revoked": "git-host-key",
  "ssh-auth-failed": "git-auth-failed",
  "ssh-key-invalid": "git-credentials-invalid",
  "ssh-unreachable": "git-unreachable",
  "ssh-timeout": "git-timeout",
  "ssh-exec-failed": "git-unreachable",
  "ssh-closed": "git-unreachable",
};

function fromSshError(err: SshError): GitAdapterError {
  return new GitAdapterError(SSH_CODES[err.code], `Git server: ${err.message}`, { cause: err });
}
