// Connecting: address schemes, and TCP+TLS with the host's certificates read
// from the secret store, checked by a real mutual-TLS handshake against a
// local HTTPS server that answers Docker's /_ping.

import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import type { RequestListener } from "node:http";
import { createServer, type Server } from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectionOptions } from "../../../src/adapters/docker/connection.js";
import { DockerError, DockerHost } from "../../../src/adapters/docker/index.js";
import { DialStdioAgent } from "../../../src/adapters/docker/ssh-agent.js";
import { DirectorySecretStore } from "../../../src/adapters/system/secret-store.js";
import { capturedLogger } from "./support.js";

const sh = promisify(execFile);
let dir: string;
let server: Server;
let port = 0;
/** Same CA, but a certificate for another name: must be refused too. */
let wrongName: Server;
let wrongNamePort = 0;
let pings = 0;
/** Container lists answered (the Engine API's hot calls go over the same TLS, see engine-api.ts). */
let lists = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "gf-tls-"));
  const tls = path.join(dir, "secrets", "h1");
  await mkdir(tls, { recursive: true });
  const ssl = (...args: string[]) => sh("openssl", args, { cwd: dir });
  const key = (name: string) => [
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "1",
    "-subj",
    `/CN=${name}`,
    "-keyout",
    `${name}.key`,
  ];
  await ssl("req", "-x509", ...key("ca"), "-out", "ca.pem");
  const sign = ["-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "1"];
  await writeFile(path.join(dir, "server.ext"), "subjectAltName=IP:127.0.0.1\n");
  await writeFile(path.join(dir, "client.ext"), "extendedKeyUsage=clientAuth\n");
  await writeFile(path.join(dir, "elsewhere.ext"), "subjectAltName=DNS:elsewhere.example\n");
  for (const name of ["server", "client", "elsewhere"]) {
    await ssl("req", ...key(name), "-out", `${name}.csr`);
    await ssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      ...sign,
      "-extfile",
      `${name}.ext`,
      "-out",
      `${name}.pem`,
    );
  }
  await copyFile(path.join(dir, "ca.pem"), path.join(tls, "ca.pem"));
  await copyFile(path.join(dir, "client.pem"), path.join(tls, "cert.pem"));
  await copyFile(path.join(dir, "client.key"), path.join(tls, "key.pem"));
  // h2 trusts the wrong CA (the client certificate itself).
  const wrong = path.join(dir, "secrets", "h2");
  await mkdir(wrong, { recursive: true });
  await copyFile(path.join(dir, "client.pem"), path.join(wrong, "ca.pem"));
  await copyFile(path.join(dir, "client.pem"), path.join(wrong, "cert.pem"));
  await copyFile(path.join(dir, "client.key"), path.join(wrong, "key.pem"));
  [server, port] = await mutualTlsServer("server", (req, res) => {
    if (req.url?.endsWith("/_ping")) pings++;
    if (req.url?.startsWith("/containers/json?")) {
      lists++;
      const labelled = req.url.includes(encodeURIComponent('"gitfleet.cluster=x"'));
      const c = { Id: "c1", Names: ["/gf-x-web-1"], State: "running", Labels: { "gitfleet.cluster": "x" } };
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(labelled ? [c] : []));
      return;
    }
    res.writeHead(200, { "content-type": "text/plain" }).end("OK");
  });
  [wrongName, wrongNamePort] = await mutualTlsServer("elsewhere", (req, res) => {
    if (req.url?.endsWith("/_ping")) pings++;
    res.writeHead(200, { "content-type": "text/plain" }).end("OK");
  });
});

/** An HTTPS server on loopback with `name`'s certificate, asking for a client certificate of the test CA. */
async function mutualTlsServer(name: string, handler: RequestListener): Promise<[Server, number]> {
  const s = createServer(
    {
      key: await readFile(path.join(dir, `${name}.key`)),
      cert: await readFile(path.join(dir, `${name}.pem`)),
      ca: await readFile(path.join(dir, "ca.pem")),
      requestCert: true,
      rejectUnauthorized: true,
    },
    handler,
  );
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const a = s.address();
  if (a === null || typeof a === "string") throw new Error("no port");
  return [s, a.port];
}

/** A Docker host over TCP+TLS with the certificates of `tls` (h1: the right ones, h2: trusting the wrong CA). */
function tlsHost(tls: "h1" | "h2", to: number): Promise<DockerHost> {
  return DockerHost.create({
    name: tls,
    docker: `tcp://127.0.0.1:${to}`,
    tls,
    cluster: "x",
    secrets: new DirectorySecretStore(path.join(dir, "secrets")),
    logger: capturedLogger().logger,
  });
}

afterAll(async () => {
  if (server) await new Promise((r) => server.close(r));
  if (wrongName) await new Promise((r) => wrongName.close(r));
  await rm(dir, { recursive: true, force: true });
});

describe("connectionOptions", () => {
  it("a unix host uses its socket even when DOCKER_HOST points elsewhere", async () => {
    const saved = process.env["DOCKER_HOST"];
    process.env["DOCKER_HOST"] = "tcp://127.0.0.1:1";
    try {
      const host = await DockerHost.create({
        name: "local",
        docker: "unix:///var/run/docker.sock",
        cluster: "x",
        logger: capturedLogger().logger,
      });
      await host.ping();
    } finally {
      if (saved === undefined) delete process.env["DOCKER_HOST"];
      else process.env["DOCKER_HOST"] = saved;
    }
  });

  it("maps unix, tcp and ssh addresses", async () => {
    expect(await connectionOptions({ name: "a", docker: "unix:///var/run/docker.sock" })).toMatchObject({
      socketPath: "/var/run/docker.sock",
      host: undefined,
    });
    expect(await connectionOptions({ name: "a", docker: "tcp://10.0.0.1" })).toMatchObject({
      protocol: "http",
      host: "10.0.0.1",
      port: "2375",
    });
    // SSH: plain HTTP over channels of gitfleet's own host-key-checked connection (see test/e2e/ssh).
    const ssh = await connectionOptions({ name: "a", docker: "ssh://deploy@10.0.0.2:2222" });
    expect(ssh).toMatchObject({ protocol: "http", host: "10.0.0.2", port: "2222" });
    expect(ssh.agent).toBeInstanceOf(DialStdioAgent);
    expect((ssh.agent as DialStdioAgent).ssh.where).toBe("deploy@10.0.0.2:2222");
    ssh.agent?.destroy();
  });

  it("rejects a bad address and missing TLS files with stable codes", async () => {
    const bad = await connectionOptions({ name: "a", docker: "ftp://x" }).catch((e: unknown) => e);
    expect((bad as DockerError).code).toBe("bad-request");
    const secrets = new DirectorySecretStore(path.join(dir, "secrets"));
    const noTls = await connectionOptions({ name: "a", docker: "tcp://x:2376", tls: "nope" }, secrets).catch(
      (e: unknown) => e,
    );
    expect(noTls).toBeInstanceOf(DockerError);
    expect((noTls as DockerError).code).toBe("tls");
  });
});

describe("TCP with TLS", () => {
  it("pings through mutual TLS with the certificates from the secret store", async () => {
    const host = await tlsHost("h1", port);
    const before = pings;
    await host.ping();
    expect(pings).toBe(before + 1);
  });

  it("lists containers through the same mutual TLS, with the cluster's label filter", async () => {
    const host = await tlsHost("h1", port);
    const before = lists;
    expect(await host.listManaged()).toEqual([
      { id: "c1", name: "gf-x-web-1", state: "running", labels: { "gitfleet.cluster": "x" } },
    ]);
    expect(lists).toBe(before + 1);
    const refused = await tlsHost("h2", port);
    const err = await refused.listManaged().catch((e: unknown) => e);
    expect((err as DockerError).code).toBe("tls");
    expect(lists).toBe(before + 1);
  });

  it("a server certificate from another CA is refused with code tls", async () => {
    const host = await tlsHost("h2", port);
    const err = await host.ping().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DockerError);
    expect((err as DockerError).code).toBe("tls");
  });

  it("a server certificate from the right CA but for another name is refused with code tls", async () => {
    const host = await tlsHost("h1", wrongNamePort);
    const before = pings;
    const err = await host.ping().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DockerError);
    expect((err as DockerError).code).toBe("tls");
    expect((err as DockerError).message).toMatch(/127\.0\.0\.1.*(altnames|cert)/i);
    expect(pings).toBe(before);
  });
});
