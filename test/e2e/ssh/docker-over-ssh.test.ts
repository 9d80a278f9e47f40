// Docker engines over SSH, against the test bed's real OpenSSH server in h1's
// network namespace (testbed.sh): the adapter reaches h1's dockerd through
// `docker system dial-stdio` on a host-key-verified connection, and refuses a
// host whose key is unknown or changed, naming the host and the fingerprint
// the server offered exactly as OpenSSH's ssh-keygen prints it.

import { execFile } from "node:child_process";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DockerError, DockerHost } from "../../../src/adapters/docker/index.js";
import { DirectorySecretStore } from "../../../src/adapters/system/secret-store.js";
import { clusterNetworkName } from "../../../src/model/names.js";
import { removeDir, tempDir } from "../../support/git-fixtures.js";
import { dockerFor, hostNamed, resetTestbed, TESTBED_SSH } from "../../support/testbed.js";
import { capturedLogger } from "../../integration/docker/support.js";

const sh = promisify(execFile);
const h1 = hostNamed(TESTBED_SSH.host);
let dir: string;
/** The server's real fingerprint, as OpenSSH computes it. */
let realFingerprint: string;

async function store(name: string, knownHosts: string): Promise<DirectorySecretStore> {
  const secrets = path.join(dir, name);
  await mkdir(path.join(secrets, "ssh"), { recursive: true, mode: 0o700 });
  await copyFile(TESTBED_SSH.clientKey, path.join(secrets, "ssh", "id_key"));
  await writeFile(path.join(secrets, "ssh", "known_hosts"), knownHosts);
  return new DirectorySecretStore(secrets);
}

async function hostWith(secrets: DirectorySecretStore, cluster: string): Promise<DockerHost> {
  return DockerHost.create({
    name: "h1",
    docker: TESTBED_SSH.url,
    cluster,
    secrets,
    logger: capturedLogger().logger,
    retries: 0,
  });
}

/** A fresh ed25519 public key line for the host's address: a pin the server cannot match. */
async function impostorPin(): Promise<string> {
  const key = path.join(dir, `other-${Date.now()}`);
  await sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
  const pub = (await readFile(`${key}.pub`, "utf8")).split(" ");
  return `${TESTBED_SSH.address} ${pub[0]} ${pub[1]}\n`;
}

beforeAll(async () => {
  await resetTestbed();
  dir = await tempDir("ssh-e2e");
  const { stdout } = await sh("ssh-keygen", ["-l", "-E", "sha256", "-f", TESTBED_SSH.hostKeyPub]);
  realFingerprint = stdout.split(" ")[1] ?? "";
  expect(realFingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
});

afterAll(async () => {
  if (dir) await removeDir(dir);
});

describe("a Docker engine over SSH", () => {
  it("reaches h1's own daemon through the pinned host key, many calls at once", async () => {
    const host = await hostWith(await store("good", await readFile(TESTBED_SSH.knownHosts, "utf8")), "sshok");
    try {
      await host.ping();
      // More calls at once than one connection carries channels: a second connection opens.
      const infos = await Promise.all(Array.from({ length: 12 }, () => host.info()));
      expect(new Set(infos.map((i) => i.engineName))).toEqual(new Set(["h1"]));
      expect(await host.ensureNetwork()).toBe("created");
      const nets = await dockerFor(h1).listNetworks();
      expect(nets.map((n) => n.Name)).toContain(clusterNetworkName("sshok"));
      // A streaming call (the events feed) works over a channel too.
      const connected = new Promise<void>((resolve) => {
        const stop = host.watchEvents((e) => {
          if (e.kind === "connected") {
            stop();
            resolve();
          }
        });
      });
      await connected;
    } finally {
      host.close();
    }
  });

  it("refuses a host whose key is not in known_hosts, naming the host and the fingerprint seen", async () => {
    const host = await hostWith(await store("unknown", "# no pins\n"), "sshunknown");
    try {
      const err = await host.ensureNetwork().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DockerError);
      expect((err as DockerError).code).toBe("host-key");
      expect((err as DockerError).message).toContain(`host key of ${TESTBED_SSH.address} port 22 is unknown`);
      expect((err as DockerError).message).toContain(`ssh-ed25519 key ${realFingerprint}`);
    } finally {
      host.close();
    }
    const nets = await dockerFor(h1).listNetworks();
    expect(nets.map((n) => n.Name)).not.toContain(clusterNetworkName("sshunknown"));
  });

  it("refuses a host whose key changed, and nothing is done on it", async () => {
    const host = await hostWith(await store("changed", await impostorPin()), "sshchanged");
    try {
      const err = await host.ensureNetwork().catch((e: unknown) => e);
      expect((err as DockerError).code).toBe("host-key");
      expect((err as DockerError).message).toContain(
        `host key of ${TESTBED_SSH.address} port 22 has CHANGED`,
      );
      expect((err as DockerError).message).toContain(`the server offered ssh-ed25519 key ${realFingerprint}`);
      // The heartbeat fails the same way, and never after a timeout: it is refused at once.
      const started = Date.now();
      const ping = await host.ping().catch((e: unknown) => e);
      expect((ping as DockerError).code).toBe("host-key");
      expect(Date.now() - started).toBeLessThan(1_500);
    } finally {
      host.close();
    }
    const nets = await dockerFor(h1).listNetworks();
    expect(nets.map((n) => n.Name)).not.toContain(clusterNetworkName("sshchanged"));
  });

  it("a client key the server does not know is refused with ssh-auth", async () => {
    const secrets = await store("badkey", await readFile(TESTBED_SSH.knownHosts, "utf8"));
    const key = path.join(dir, "stranger");
    await sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
    await copyFile(key, secrets.path("ssh/id_key"));
    const host = await hostWith(secrets, "sshbadkey");
    try {
      const err = await host.ping().catch((e: unknown) => e);
      expect((err as DockerError).code).toBe("ssh-auth");
    } finally {
      host.close();
    }
  });
});
