// Errors of the SSH transport (Docker engines and Git servers reached over
// SSH), each with a stable code. Host key refusals name the host and the key
// the server offered, as OpenSSH prints it (SHA256:...), so an operator can
// compare it with the host's own `ssh-keygen -lf` out of band.

export type SshErrorCode =
  | "ssh-host-key-unknown" // no pinned key for this host in known_hosts
  | "ssh-host-key-changed" // pinned keys exist, the offered one is not among them
  | "ssh-host-key-revoked" // the offered key is marked @revoked
  | "ssh-auth-failed" // the server refused our key
  | "ssh-key-invalid" // the private key is missing or cannot be parsed
  | "ssh-unreachable" // connection refused, no route, name unknown
  | "ssh-timeout" // no handshake in time
  | "ssh-exec-failed" // the remote command could not be started or failed
  | "ssh-closed"; // the connection dropped

export class SshError extends Error {
  constructor(
    readonly code: SshErrorCode,
    message: string,
    options?: { readonly cause?: unknown },
  ) {
    super(message, options);
    this.name = "SshError";
  }

  /** Refusals of the host itself: retrying will not help until an admin acts. */
  get hostKeyProblem(): boolean {
    return this.code.startsWith("ssh-host-key-");
  }
}

const UNREACHABLE = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);

/** Whatever ssh2 or the socket threw, as an SshError about `where` ("user@host:port"). */
export function toSshError(err: unknown, where: string): SshError {
  if (err instanceof SshError) return err;
  const e = (typeof err === "object" && err !== null ? err : {}) as {
    code?: unknown;
    level?: unknown;
    message?: unknown;
  };
  const code = typeof e.code === "string" ? e.code : "";
  const text = typeof e.message === "string" ? e.message : String(err);
  if (UNREACHABLE.has(code))
    return new SshError("ssh-unreachable", `cannot reach ${where}: ${code}`, { cause: err });
  if (code === "ETIMEDOUT" || /timed out/i.test(text))
    return new SshError("ssh-timeout", `no SSH handshake with ${where} in time`, { cause: err });
  if (e.level === "client-authentication" || /authentication methods failed/i.test(text))
    return new SshError(
      "ssh-auth-failed",
      `${where} refused the SSH key (check the user and authorized_keys)`,
      {
        cause: err,
      },
    );
  if (code === "ECONNRESET" || code === "EPIPE")
    return new SshError("ssh-closed", `connection to ${where} dropped: ${code}`, { cause: err });
  return new SshError("ssh-closed", `SSH to ${where} failed: ${text}`, { cause: err });
}
