// Every failure of a Docker call becomes a DockerError with a stable code, so
// the controller decides by code (retry later, adopt, report) and never by
// message text.

import { SshError, type SshErrorCode } from "../ssh/errors.js";

export type DockerErrorCode =
  | "host-unreachable" // connection refused, no route, socket missing
  | "timeout" // no answer in time (a frozen or partitioned host)
  | "tls" // certificate problems, or TLS files missing from the secret store
  | "host-key" // SSH: the engine's host key is unknown, changed or revoked (known_hosts)
  | "ssh-auth" // SSH: our key was refused, or there is none
  | "image-not-found"
  | "not-found" // no such container / network
  | "conflict" // 409: a container with that name exists
  | "not-modified" // 304: already started / already stopped
  | "port-conflict" // a host port is already allocated
  | "start-failed" // the runtime refused to start the process
  | "auth" // registry credentials refused
  | "bad-request" // 400: Docker refused our request
  | "policy" // refused before calling Docker (bind mount outside policy...)
  | "server-error" // 5xx: transient as far as we know
  | "connection-reset" // ECONNRESET, EPIPE, socket hang up: transient
  | "unknown";

export class DockerError extends Error {
  readonly code: DockerErrorCode;
  readonly host: string;
  readonly op: string;
  readonly statusCode: number | undefined;
  /** Worth retrying within the same call. */
  readonly transient: boolean;

  constructor(
    code: DockerErrorCode,
    message: string,
    opts: { host: string; op: string; statusCode?: number; cause?: unknown },
  ) {
    super(`${opts.host}: ${opts.op}: ${message}`, { cause: opts.cause });
    this.name = "DockerError";
    this.code = code;
    this.host = opts.host;
    this.op = opts.op;
    this.statusCode = opts.statusCode;
    this.transient = code === "server-error" || code === "connection-reset";
  }
}

const SSH_CODES: Readonly<Record<SshErrorCode, DockerErrorCode>> = {
  "ssh-host-key-unknown": "host-key",
  "ssh-host-key-changed": "host-key",
  "ssh-host-key-revoked": "host-key",
  "ssh-auth-failed": "ssh-auth",
  "ssh-key-invalid": "ssh-auth",
  "ssh-unreachable": "host-unreachable",
  "ssh-timeout": "timeout",
  "ssh-exec-failed": "connection-reset",
  "ssh-closed": "connection-reset",
};

const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENOENT", // unix socket path missing
  "EACCES",
]);
const RESET = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED"]);
const TIMEOUTS = new Set(["ETIMEDOUT", "ESOCKETTIMEDOUT", "ABORT_ERR"]);

/** Turn whatever dockerode threw into a DockerError. */
export function toDockerError(err: unknown, host: string, op: string): DockerError {
  if (err instanceof DockerError) return err;
  if (err instanceof SshError)
    return new DockerError(SSH_CODES[err.code], err.message, { host, op, cause: err });
  const e = (typeof err === "object" && err !== null ? err : {}) as {
    code?: unknown;
    statusCode?: unknown;
    message?: unknown;
    json?: unknown;
    name?: unknown;
  };
  const raw = typeof e.message === "string" ? e.message : String(err);
  const message = dockerMessage(e.json) ?? raw;
  const sys = typeof e.code === "string" ? e.code : undefined;
  const opts = { host, op, cause: err };
  if (typeof e.statusCode === "number") {
    const withStatus = { ...opts, statusCode: e.statusCode };
    return new DockerError(classifyStatus(e.statusCode, message), message, withStatus);
  }
  if (sys !== undefined && UNREACHABLE.has(sys)) return new DockerError("host-unreachable", message, opts);
  if (sys !== undefined && RESET.has(sys)) return new DockerError("connection-reset", message, opts);
  if ((sys !== undefined && TIMEOUTS.has(sys)) || e.name === "AbortError") {
    return new DockerError("timeout", message, opts);
  }
  if ((sys !== undefined && /CERT|TLS|SSL/.test(sys)) || /certificate|tls|ssl/i.test(raw)) {
    return new DockerError("tls", message, opts);
  }
  if (/socket hang up/i.test(raw)) return new DockerError("connection-reset", message, opts);
  return new DockerError("unknown", message, opts);
}

function classifyStatus(status: number, message: string): DockerErrorCode {
  if (status === 404) {
    return /image|manifest|pull access denied|repository does not exist/i.test(message)
      ? "image-not-found"
      : "not-found";
  }
  if (status === 409) return "conflict";
  if (status === 304) return "not-modified";
  if (status === 400) return "bad-request";
  if (status === 401 || status === 403) return "auth";
  if (status >= 500) {
    if (/port is already allocated|address already in use/i.test(message)) return "port-conflict";
    if (/unauthorized|authentication required|denied|no basic auth credentials/i.test(message)) return "auth";
    if (/manifest unknown|not found: manifest|no such image/i.test(message)) return "image-not-found";
    if (/OCI runtime|starting container process|executable file not found/i.test(message)) {
      return "start-failed";
    }
    return "server-error";
  }
  return "unknown";
}

/** Docker's JSON error body carries the useful sentence in `message`. */
function dockerMessage(json: unknown): string | undefined {
  if (typeof json === "object" && json !== null && "message" in json) {
    const m = (json as { message: unknown }).message;
    if (typeof m === "string") return m.trim();
  }
  return undefined;
}
