// Pulling through the adapter from real local registries: one open (we push
// the test image there with the CLI) and one with htpasswd auth over the same
// storage, whose credentials come from the secret store.

import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DockerError, DockerHost, type PullProgress } from "../../../src/adapters/docker/index.js";
import { DirectorySecretStore } from "../../../src/adapters/system/secret-store.js";
import { docker, ensureTestImage, TEST_IMAGE } from "./fixtures.js";
import { capturedLogger, testCluster, until } from "./support.js";

// bcrypt of the test-only password "s3cret-pw" (the registry's htpasswd wants bcrypt).
const HTPASSWD = "tester:$2b$12$y/jW50mqB/NFUCrwbX479OJZ06obuAHUa3nCFVacUrrgyY8frYMIy\n";
const PASSWORD = "s3cret-pw";

let dir: string;
const registries: ChildProcess[] = [];
let openAddr = "";
let authAddr = "";
const tag = `t${Date.now().toString(36)}`;

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const a = srv.address();
  await new Promise((r) => srv.close(r));
  if (a === null || typeof a === "string") throw new Error("no port");
  return a.port;
}

async function startRegistry(name: string, auth: boolean): Promise<string> {
  const addr = `127.0.0.1:${await freePort()}`;
  const config = [
    "version: 0.1",
    "log: {level: error}",
    `storage: {filesystem: {rootdirectory: ${dir}/storage}}`,
    `http: {addr: "${addr}", secret: test-only}`,
    ...(auth ? [`auth: {htpasswd: {realm: gf, path: ${dir}/htpasswd}}`] : []),
  ].join("\n");
  await writeFile(path.join(dir, `${name}.yml`), config);
  const child = spawn("docker-registry", ["serve", path.join(dir, `${name}.yml`)], { stdio: "ignore" });
  registries.push(child);
  await until(`registry ${name}`, async () => {
    const res = await fetch(`http://${addr}/v2/`).catch(() => undefined);
    return res ? true : undefined;
  });
  return addr;
}

beforeAll(async () => {
  await ensureTestImage();
  dir = await mkdtemp(path.join(tmpdir(), "gf-registry-"));
  await writeFile(path.join(dir, "htpasswd"), HTPASSWD);
  openAddr = await startRegistry("open", false);
  authAddr = await startRegistry("auth", true);
  await docker("tag", TEST_IMAGE, `${openAddr}/gf-test/busybox:${tag}`);
  await docker("push", `${openAddr}/gf-test/busybox:${tag}`);
  await docker("rmi", `${openAddr}/gf-test/busybox:${tag}`);
});

afterAll(async () => {
  await docker("rmi", `${authAddr}/gf-test/busybox:${tag}`).catch(() => "");
  for (const r of registries) r.kill();
  await rm(dir, { recursive: true, force: true });
});

async function hostWith(secretsDir: string | undefined) {
  const { logger } = capturedLogger();
  return DockerHost.create({
    name: "local",
    docker: "unix:///var/run/docker.sock",
    cluster: testCluster("pl"),
    logger,
    retries: 0,
    ...(secretsDir ? { secrets: new DirectorySecretStore(secretsDir) } : {}),
  });
}

describe("DockerHost.pull", () => {
  it("refuses without credentials, with code auth", async () => {
    const host = await hostWith(undefined);
    const err = await host.pull(`${authAddr}/gf-test/busybox:${tag}`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DockerError);
    expect((err as DockerError).code).toBe("auth");
  });

  it("pulls with registry credentials from the secret store and reports progress", async () => {
    const secrets = path.join(dir, "secrets");
    await mkdir(path.join(secrets, "registry-auth"), { recursive: true });
    await writeFile(
      path.join(secrets, "registry-auth", authAddr),
      JSON.stringify({ username: "tester", password: PASSWORD }) + "\n",
      { mode: 0o600 },
    );
    const image = `${authAddr}/gf-test/busybox:${tag}`;
    const { logger, log } = capturedLogger();
    const host = await DockerHost.create({
      name: "local",
      docker: "unix:///var/run/docker.sock",
      cluster: testCluster("pl"),
      logger,
      secrets: new DirectorySecretStore(secrets),
    });
    expect(await host.imageExists(image)).toBe(false);
    const progress: PullProgress[] = [];
    expect(await host.ensureImage(image, (p) => void progress.push(p))).toBe("pulled");
    expect(await host.imageExists(image)).toBe(true);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p) => p.image === image)).toBe(true);
    expect(
      progress.some((p) => /Downloaded newer image|Pull complete|Image is up to date/.test(p.status)),
    ).toBe(true);
    expect((await host.info()).images).toContain(image);
    expect(log.text()).not.toContain(PASSWORD);
  });

  it("a tag the registry does not have is image-not-found", async () => {
    const host = await hostWith(undefined);
    const err = await host.pull(`${openAddr}/gf-test/busybox:missing`).catch((e: unknown) => e);
    expect((err as DockerError).code).toBe("image-not-found");
  });
});
