// The operator (`gitfleet run`) following its repository over SSH, written
// the way forges hand it out (scp-like `user@host:path`), against the test
// bed's real OpenSSH server: deploy key and pinned host key from the secret
// store, the commit deployed, status pushed back over SSH.

import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostNamed, resetTestbed, TESTBED_SSH } from "../../support/testbed.js";
import { BED_POLL, CLUSTER, managedOn, OperatorWorld, serving } from "../operator/support.js";
import { pollUntil } from "../../support/poll.js";

const h2 = hostNamed("h2");
let world: OperatorWorld;

const clusterYaml = [
  "kind: Cluster",
  `name: ${CLUSTER}`,
  "hosts:",
  `  - {name: h2, docker: "${h2.dockerUrl}", address: ${h2.address}}`,
  "edge: {image: gitfleet/haproxy:2.6}",
  "settings: {host_down_after: 3s}",
  "",
].join("\n");

const probeYaml = `kind: Service
name: probe
image: gitfleet/busybox:1.35
command: ["sh", "-c", "trap 'exit 0' TERM; mkdir -p /w && echo ok > /w/index.html; httpd -f -p 8080 -h /w & wait"]
deploy: {replicas: 1}
`;

beforeAll(async () => {
  await resetTestbed();
  world = await OperatorWorld.create({});
  const ssh = path.join(world.secretsDir, "ssh");
  await mkdir(ssh, { mode: 0o700 });
  await copyFile(TESTBED_SSH.clientKey, path.join(ssh, "deploy_key"));
  await copyFile(TESTBED_SSH.knownHosts, path.join(ssh, "known_hosts"));
  // Same configuration, but the repository is reached over SSH (no HTTP credentials).
  const url = `root@${TESTBED_SSH.address}:${world.bare}`;
  const config = (await readFile(world.configFile, "utf8"))
    .replace(/^ {2}url: .*$/m, `  url: "${url}"`)
    .replace(/^ {2}credentials: .*\n/m, "");
  await writeFile(world.configFile, config);
  await world.push({ "cluster.yaml": clusterYaml, "services/probe.yaml": probeYaml }, "probe over ssh git");
  world.startOperator();
});

afterAll(async () => {
  await world?.close();
});

describe("gitfleet run with its repository over SSH", () => {
  it("deploys the commit read over SSH and pushes status back over SSH", async () => {
    await pollUntil(
      "probe serving on h2 (its edge carries the cluster label too)",
      async () => serving(await managedOn(h2)).filter((c) => c.service === "probe").length === 1,
      { ...BED_POLL, timeoutMs: 90_000 },
    );
    await pollUntil(
      "status Synced on the status branch",
      async () => (await world.status("status/cluster.yaml")).includes("sync: Synced"),
      BED_POLL,
    );
    // Nothing went through the HTTP server: every read and the status push used SSH.
    expect(world.server.count("info-refs-upload")).toBe(0);
    expect(world.server.count("upload-pack")).toBe(0);
    expect(world.server.count("info-refs-receive")).toBe(0);
    expect(world.server.count("receive-pack")).toBe(0);
    expect(world.output).toContain(`"repository":"root@${TESTBED_SSH.address}:`);
  });
});
