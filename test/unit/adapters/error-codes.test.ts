// What the socket, ssh2, dockerode and isomorphic-git throw becomes an error
// with a stable code, which the controller decides by (retry, report, wait for
// an admin); never by message text. Each row is one way a call fails.

import { describe, expect, it } from "vitest";
import { DockerError, toDockerError } from "../../../src/adapters/docker/errors.js";
import { GitAdapterError, toGitError } from "../../../src/adapters/git/errors.js";
import { SshError, toSshError, type SshErrorCode } from "../../../src/adapters/ssh/errors.js";

const sys = (code: string, message = `connect ${code}`): Error => Object.assign(new Error(message), { code });
const status = (statusCode: number, message: string): Error =>
  Object.assign(new Error(`(HTTP code ${statusCode})`), { statusCode, json: { message: `${message}\n` } });

describe("SSH failures", () => {
  it.each([
    [sys("ECONNREFUSED"), "ssh-unreachable"],
    [sys("ENOTFOUND"), "ssh-unreachable"],
    [sys("ETIMEDOUT"), "ssh-timeout"],
    [new Error("Timed out while waiting for handshake"), "ssh-timeout"],
    [
      Object.assign(new Error("All configured authentication methods failed"), {
        level: "client-authentication",
      }),
      "ssh-auth-failed",
    ],
    [new Error("All configured authentication methods failed"), "ssh-auth-failed"],
    [sys("ECONNRESET"), "ssh-closed"],
    [sys("EPIPE"), "ssh-closed"],
    ["something else", "ssh-closed"],
  ] as const)("%s is %s", (err, code) => {
    const e = toSshError(err, "deploy@h1:22");
    expect(e).toBeInstanceOf(SshError);
    expect(e.code).toBe(code);
    expect(e.message).toContain("deploy@h1:22");
    expect(e.hostKeyProblem).toBe(false);
  });

  it("keeps an SshError as it is; host key refusals are the admin's to fix", () => {
    const changed = new SshError("ssh-host-key-changed", "h1 offered SHA256:x");
    expect(toSshError(changed, "h1")).toBe(changed);
    expect(changed.hostKeyProblem).toBe(true);
  });
});

describe("Docker failures", () => {
  it.each([
    [status(404, "No such container: web"), "not-found"],
    [status(404, "pull access denied for nope, repository does not exist"), "image-not-found"],
    [status(409, "Conflict. The container name is already in use"), "conflict"],
    [status(304, "container already started"), "not-modified"],
    [status(400, "invalid reference format"), "bad-request"],
    [status(401, "unauthorized"), "auth"],
    [status(403, "forbidden"), "auth"],
    [status(500, "Bind for 0.0.0.0:80 failed: port is already allocated"), "port-conflict"],
    [status(500, "Head https://r/v2/x/manifests/1: unauthorized: authentication required"), "auth"],
    [status(500, "manifest unknown"), "image-not-found"],
    [status(500, "OCI runtime create failed: executable file not found in $PATH"), "start-failed"],
    [status(500, "something broke"), "server-error"],
    [status(418, "teapot"), "unknown"],
    [sys("ECONNREFUSED"), "host-unreachable"],
    [sys("ENOENT", "connect ENOENT /var/run/docker.sock"), "host-unreachable"],
    [sys("ECONNRESET"), "connection-reset"],
    [sys("ETIMEDOUT"), "timeout"],
    [Object.assign(new Error("aborted"), { name: "AbortError" }), "timeout"],
    [sys("ERR_TLS_CERT_ALTNAME_INVALID", "Hostname/IP does not match"), "tls"],
    [new Error("self-signed certificate in certificate chain"), "tls"],
    [new Error("socket hang up"), "connection-reset"],
    [new Error("what"), "unknown"],
  ] as const)("%s is %s", (err, code) => {
    const e = toDockerError(err, "h1", "create");
    expect(e).toBeInstanceOf(DockerError);
    expect(e.code).toBe(code);
    expect(e.message.startsWith("h1: create: ")).toBe(true);
    expect(e.transient).toBe(code === "server-error" || code === "connection-reset");
  });

  it("takes Docker's own sentence from the JSON body, the status with it", () => {
    const e = toDockerError(status(409, "name in use"), "h2", "create");
    expect(e).toMatchObject({
      statusCode: 409,
      host: "h2",
      op: "create",
      message: "h2: create: name in use",
    });
  });

  it.each([
    ["ssh-host-key-unknown", "host-key"],
    ["ssh-host-key-revoked", "host-key"],
    ["ssh-auth-failed", "ssh-auth"],
    ["ssh-key-invalid", "ssh-auth"],
    ["ssh-unreachable", "host-unreachable"],
    ["ssh-timeout", "timeout"],
    ["ssh-exec-failed", "connection-reset"],
  ] as const)("an engine over SSH: %s is %s", (ssh, code) => {
    expect(toDockerError(new SshError(ssh as SshErrorCode, "x"), "h1", "ping").code).toBe(code);
  });
});

describe("Git failures", () => {
  const url = "https://user:t0k3n@git.example.com/ops/fleet.git?x=y";
  const http = (statusCode: number): Error =>
    Object.assign(new Error("HTTP Error"), { code: "HttpError", data: { statusCode, statusMessage: "x" } });

  it.each([
    [http(401), true, "git-auth-failed", "refused the configured credentials"],
    [http(403), false, "git-auth-failed", "requires credentials and none are configured"],
    [http(404), false, "git-repo-not-found", "HTTP 404"],
    [http(502), false, "git-http-error", "HTTP 502"],
    [sys("ECONNREFUSED"), false, "git-unreachable", "ECONNREFUSED"],
    [Object.assign(new Error("dumb"), { code: "SmartHttpError" }), false, "git-http-error", "smart HTTP"],
    [new Error("fetch https://a:b@h/x failed"), false, "git-error", "https://h/x"],
  ] as const)("%s is %s, without credentials in the message", (err, creds, code, says) => {
    const e = toGitError(err, url, creds);
    expect(e).toBeInstanceOf(GitAdapterError);
    expect(e.code).toBe(code);
    expect(e.message).toContain(says);
    expect(e.message).not.toMatch(/t0k3n|user:|a:b@/);
  });

  it.each([
    ["ssh-host-key-changed", "git-host-key"],
    ["ssh-auth-failed", "git-auth-failed"],
    ["ssh-key-invalid", "git-credentials-invalid"],
    ["ssh-unreachable", "git-unreachable"],
    ["ssh-timeout", "git-timeout"],
    ["ssh-closed", "git-unreachable"],
  ] as const)("a Git server over SSH: %s is %s", (ssh, code) => {
    expect(toGitError(new SshError(ssh as SshErrorCode, "x"), "git@h:r.git", false).code).toBe(code);
  });
});
