// The operator (`gitfleet run`) managing h1 over SSH and h2 over TCP, with the
// SSH key and known_hosts in its secret store. While known_hosts pins another
// key for h1, nothing is done on h1 and the status branch says why (host and
// fingerprint); once the admin pins the right key, h1 converges without a
// restart (keys are read again for every new connection).

import { execFile } from "node:child_process";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerFor, hostNamed, resetTestbed, TESTBED_SSH } from "../../support/testbed.js";
import { BED_POLL, CLUSTER, type Managed, managedOn, OperatorWorld, serving } from "../operator/support.js";
import { pollUntil } from "../../support/poll.js";

const sh = promisify(execFile);
const h1 = hostNamed("h1");
const h2 = hostNamed("h2");
let world: OperatorWorld;
let realFingerprint: string;

function clusterYaml(): string {
  return [
    "kind: Cluster",
    `name: ${CLUSTER}`,
    "hosts:",
    `  - {name: h1, docker: "${TESTBED_SSH.url}", address: ${h1.address}}`,
    `  - {name: h2, docker: "${h2.dockerUrl}", address: ${h2.address}}`,
    "edge: {image: gitfleet/haproxy:2.6}",
    "settings: {host_down_after: 3s, host_stable_after: 1s}",
    "",
  ].join("\n");
}

const probeYaml = `kind: Service
name: probe
image: gitfleet/busybox:1.35
command: ["sh", "-c", "trap 'exit 0' TERM; mkdir -p /w && echo ok > /w/index.html; httpd -f -p 8080 -h /w & wait"]
deploy:
  mode: global
  restart_policy: {delay: 1s}
`;

async function writeSecret(name: string, content: string | Buffer): Promise<void> {
  const file = path.join(world.secretsDir, name);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await writeFile(file, content, { mode: 0o600 });
}

beforeAll(async () => {
  await resetTestbed();
  const { stdout } = await sh("ssh-keygen", ["-l", "-E", "sha256", "-f", TESTBED_SSH.hostKeyPub]);
  realFingerprint = stdout.split(" ")[1] ?? "";
  world = await OperatorWorld.create({});
  await mkdir(path.join(world.secretsDir, "ssh"), { mode: 0o700 });
  await copyFile(TESTBED_SSH.clientKey, path.join(world.secretsDir, "ssh", "id_key"));
  // A pin for h1's address that is not h1's key: an impostor as far as gitfleet knows.
  const other = path.join(world.dir, "other");
  await sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", other]);
  const pub = (await readFile(`${other}.pub`, "utf8")).split(" ");
  await writeSecret("ssh/known_hosts", `${TESTBED_SSH.address} ${pub[0]} ${pub[1]}\n`);
  await world.push({ "cluster.yaml": clusterYaml(), "services/probe.yaml": probeYaml }, "probe on h1 and h2");
  world.startOperator();
});

afterAll(async () => {
  await world?.close();
});

/** The probe's serving replicas: the host's edge containers carry the cluster label too (no service). */
const probesServing = (list: readonly Managed[]): Managed[] =>
  serving(list).filter((c) => c.service === "probe");

describe("gitfleet run with an engine reached over SSH", () => {
  it("with a changed host key, h1 is left alone and status names the host and the key seen", async () => {
    await pollUntil("probe serving on h2", async () => probesServing(await managedOn(h2)).length === 1, {
      ...BED_POLL,
      timeoutMs: 90_000,
    });
    const said = await pollUntil(
      "host-key refusal in status",
      async () => {
        const md = await world.status("STATUS.md");
        return md.includes("has CHANGED") ? md : undefined;
      },
      { ...BED_POLL, timeoutMs: 60_000 },
    );
    expect(said).toContain(`host key of ${TESTBED_SSH.address} port 22 has CHANGED`);
    expect(said).toContain(realFingerprint);
    expect(await managedOn(h1)).toEqual([]);
    const nets = await dockerFor(h1).listNetworks();
    expect(nets.filter((n) => n.Name.includes(CLUSTER))).toEqual([]);
  });

  it("once the right key is pinned, h1 converges over SSH without a restart", async () => {
    await writeSecret("ssh/known_hosts", await readFile(TESTBED_SSH.knownHosts));
    const onH1 = await pollUntil(
      "probe serving on h1",
      async () => {
        const s = probesServing(await managedOn(h1));
        return s.length === 1 ? s : undefined;
      },
      { ...BED_POLL, timeoutMs: 90_000 },
    );
    expect(onH1[0]?.service).toBe("probe");
    await pollUntil(
      "status Synced",
      async () => (await world.status("status/cluster.yaml")).includes("sync: Synced"),
      BED_POLL,
    );
    // The private key never reaches a log.
    const key = (await readFile(TESTBED_SSH.clientKey, "utf8")).split("\n")[1] ?? "";
    expect(key.length).toBeGreaterThan(20);
    expect(world.output).not.toContain(key);
  });
});
