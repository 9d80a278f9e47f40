// A port squatted on one host (issue 15, item 2), on the three-host test bed:
// a container gitfleet does not manage publishes port 9090 on h2 and another
// one 9300. A new service then asks for ingress port 9090 and a host-mode
// service for 9300. h2's edge must keep serving everything else (web's 8080
// through h2 loses no request), serve 9090 on h1 and h3 only, and never be
// re-created in a loop; the host-mode replica must not be placed on h2; status
// must say Degraded and name both conflicts; `gitfleet plan` must name them
// instead of "No changes". Run with the shared lock:
//   flock /run/gitfleet-e2e.lock env GITFLEET_TESTBED_KEEP=1 npx vitest run --project e2e test/e2e/edge/squat.test.ts

import { execFile, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerFor, hostNamed, resetTestbed, TESTBED } from "../../support/testbed.js";
import { BED_POLL, clusterYaml, managed, OperatorWorld, serving } from "../operator/support.js";
import { pollUntil } from "../../support/poll.js";
import { echoYaml, INGRESS_PORT, publishedWebYaml } from "./services.js";
import { get, steadyStream } from "./traffic.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const H2 = hostNamed("h2");
const SQUATTED_INGRESS = 9090;
const SQUATTED_HOST_PORT = 9300;

let world: OperatorWorld;

function gitfleet(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", path.join(ROOT, "src/cli/main.ts"), ...args],
      { cwd: ROOT, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === "number" ? err.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A container gitfleet knows nothing about, answering "<name>" over HTTP on a port of h2. */
async function squat(name: string, port: number): Promise<void> {
  const docker = dockerFor(H2);
  const c = await docker.createContainer({
    name,
    Image: "gitfleet/busybox:1.35",
    Cmd: ["sh", "-c", `echo ${name} > /tmp/index.html; exec httpd -f -p 80 -h /tmp`],
    ExposedPorts: { "80/tcp": {} },
    HostConfig: { PortBindings: { "80/tcp": [{ HostIp: H2.address, HostPort: String(port) }] } },
  });
  await c.start();
}

function hostModeYaml(): string {
  return `kind: Service
name: pinned
image: gitfleet/busybox:1.35
command: ["sh", "-c", "echo pinned > /tmp/index.html; exec httpd -f -p 80 -h /tmp"]
ports: [{target: 80, published: ${SQUATTED_HOST_PORT}, mode: host}]
deploy:
  replicas: 3
  restart_policy: {condition: any, delay: 1s}
`;
}

async function edgeIds(): Promise<string[]> {
  const ids: string[] = [];
  for (const h of TESTBED.hosts)
    for (const name of ["gf-e2e-edge", "gf-e2e-edge-names"]) {
      const info = await dockerFor(h).getContainer(name).inspect();
      expect(info.State.Running, `${h.name} ${name} running`).toBe(true);
      ids.push(`${h.name}/${name}/${info.Id}`);
    }
  return ids;
}

beforeAll(async () => {
  await resetTestbed();
  await squat("squatter", SQUATTED_INGRESS);
  await squat("squatter-host", SQUATTED_HOST_PORT);
  world = await OperatorWorld.create({});
  await world.push(
    { "cluster.yaml": clusterYaml(), "services/web.yaml": publishedWebYaml() },
    "web published on 8080",
  );
  world.startOperator();
  // Every host's edge up and serving (the first test compares the edges' container ids).
  await pollUntil(
    "web 3/3 through every host's edge",
    async () => {
      const web = serving(await managed("web"));
      if (web.length !== 3) return false;
      const answers = await Promise.all(
        TESTBED.hosts.map((h) => get(`http://${h.address}:${INGRESS_PORT}/`).catch(() => ({ status: 0 }))),
      );
      if (!answers.every((a) => a.status === 200)) return false;
      for (const h of TESTBED.hosts)
        for (const name of ["gf-e2e-edge", "gf-e2e-edge-names"]) {
          const info = await dockerFor(h)
            .getContainer(name)
            .inspect()
            .catch(() => undefined);
          if (info?.State.Running !== true) return false;
        }
      return true;
    },
    { ...BED_POLL, timeoutMs: 120_000 },
  );
}, 180_000);

afterAll(async () => {
  await world?.close();
  await resetTestbed();
});

describe("a port held on one host by a container gitfleet does not manage", () => {
  it("keeps h2's edge serving its other ports, serves the new port elsewhere, and re-creates nothing", async () => {
    const before = await edgeIds();
    const stream = steadyStream(`http://${H2.address}:${INGRESS_PORT}/`);
    await new Promise((r) => setTimeout(r, 1_000));
    await world.push(
      { "services/echo.yaml": echoYaml(SQUATTED_INGRESS), "services/pinned.yaml": hostModeYaml() },
      "echo on ingress 9090, pinned on host port 9300",
    );
    for (const h of TESTBED.hosts.filter((x) => x.name !== "h2"))
      await pollUntil(
        `echo on ${h.name}:${SQUATTED_INGRESS}`,
        async () =>
          (await get(`http://${h.address}:${SQUATTED_INGRESS}/`).catch(() => undefined))?.body === "echo",
        { ...BED_POLL, timeoutMs: 60_000 },
      );
    // Several passes later: still the same containers, still serving.
    await new Promise((r) => setTimeout(r, 8_000));
    const report = await stream.stop();
    console.log(`web via h2 while 9090 is squatted there: ${report.ok} ok, ${report.failed} failed`);
    expect(report.failures).toEqual([]);
    expect(report.ok).toBeGreaterThan(100);
    expect(await edgeIds()).toEqual(before);
    // The squatter still answers its own port; h2's edge did not take it.
    expect((await get(`http://${H2.address}:${SQUATTED_INGRESS}/`)).body).toBe("squatter");
  }, 120_000);

  it("places the host-mode replicas on the other hosts only, with exact container counts", async () => {
    const pinned = await pollUntil(
      "pinned on h1 and h3",
      async () => {
        const list = await managed("pinned");
        return serving(list).length === 2 ? list : undefined;
      },
      BED_POLL,
    );
    expect(pinned.map((c) => `${c.host}:${c.state}`).sort()).toEqual(["h1:running", "h3:running"]);
    expect((await managed("echo")).length).toBe(1);
    expect(serving(await managed("web")).length).toBe(3);
    for (const h of TESTBED.hosts) {
      const all = await dockerFor(h).listContainers({
        all: true,
        filters: { label: ["gitfleet.cluster=e2e"] },
      });
      const edges = all.filter((c) => c.Labels["gitfleet.role"] === "edge").map((c) => c.Names[0]);
      expect(edges.sort()).toEqual(["/gf-e2e-edge", "/gf-e2e-edge-names"]);
    }
    const onH2 = (await managed()).filter((c) => c.host === "h2" && c.service !== "");
    expect(onH2.map((c) => c.service).sort()).toEqual(
      ["web"].concat((await managed("echo")).filter((c) => c.host === "h2").map(() => "echo")).sort(),
    );
    // Nothing of ours is left created-but-not-started on h2 for the squatted port.
    expect((await managed("pinned")).filter((c) => c.host === "h2")).toEqual([]);
  }, 90_000);

  it("says Degraded in status and names both conflicts", async () => {
    const md = await pollUntil(
      "status naming the conflicts",
      async () => {
        const text = await world.status("STATUS.md");
        return text.includes("## Port conflicts") && text.includes("pinned") ? text : undefined;
      },
      { ...BED_POLL, timeoutMs: 60_000 },
    );
    expect(md).toContain("Degraded");
    expect(md).not.toMatch(/\bSynced\b/);
    expect(md).toContain(
      "- **echo**: ingress port 9090/tcp is not served on h2: container squatter (not managed by gitfleet) holds it",
    );
    expect(md).toContain("port 9300/tcp (container squatter-host) in use");
    const echo = await world.status("status/services/echo.yaml");
    expect(echo).toContain("state: degraded");
    expect(echo).toContain("port_conflicts:");
    const pinned = await world.status("status/services/pinned.yaml");
    expect(pinned).toContain("state: degraded");
    expect(pinned).toContain(
      "0/3 hosts available: 2 port 9300/tcp in use, 1 port 9300/tcp (container squatter-host) in use",
    );
  }, 90_000);

  it("names the conflicts in `gitfleet plan` instead of saying there is nothing to do", async () => {
    const plan = await gitfleet(["plan", "--config", world.configFile]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).not.toContain("No changes. The cluster matches the desired state.");
    expect(plan.stdout).toContain("Port conflicts (not served as specified):");
    expect(plan.stdout).toContain(
      "  echo: ingress port 9090/tcp is not served on h2: container squatter (not managed by gitfleet) holds it",
    );
    expect(plan.stdout).toContain("1 replica cannot be scheduled.");
    expect(plan.stdout).toContain("port 9300/tcp (container squatter-host) in use");
  }, 120_000);

  it("leaves out a port held outside Docker, which only HAProxy's bind failure reveals, and says so", async () => {
    // A plain process in h2's network namespace: the Docker API shows nothing of it.
    const outside = spawn(
      "ip",
      [
        "netns",
        "exec",
        `gf-${H2.name}`,
        "busybox",
        "httpd",
        "-f",
        "-p",
        `${H2.address}:${OUTSIDE_PORT}`,
        "-h",
        "/tmp",
      ],
      { stdio: "ignore" },
    );
    try {
      await pollUntil(
        "the outside listener",
        async () =>
          (await get(`http://${H2.address}:${OUTSIDE_PORT}/`).catch(() => undefined)) !== undefined
            ? true
            : undefined,
        BED_POLL,
      );
      const before = await edgeIds();
      const stream = steadyStream(`http://${H2.address}:${INGRESS_PORT}/`);
      await new Promise((r) => setTimeout(r, 1_000));
      await world.push({ "services/outside.yaml": outsideYaml() }, `outside on ingress ${OUTSIDE_PORT}`);
      for (const h of TESTBED.hosts.filter((x) => x.name !== "h2"))
        await pollUntil(
          `outside on ${h.name}:${OUTSIDE_PORT}`,
          async () =>
            (await get(`http://${h.address}:${OUTSIDE_PORT}/`).catch(() => undefined))?.body === "outside",
          { ...BED_POLL, timeoutMs: 60_000 },
        );
      const md = await pollUntil(
        "status naming the port held outside Docker",
        async () => {
          const text = await world.status("STATUS.md");
          return text.includes(`ingress port ${OUTSIDE_PORT}/tcp is not served on h2`) ? text : undefined;
        },
        { ...BED_POLL, timeoutMs: 60_000 },
      );
      expect(md).toContain(
        `- **outside**: ingress port ${OUTSIDE_PORT}/tcp is not served on h2: the edge cannot bind it (held outside Docker or by a host-networked container)`,
      );
      // h2's edge keeps serving its other ports and applies later changes: web moves to v2 there too.
      await world.push({ "services/web.yaml": publishedWebYaml("gitfleet/web:2") }, "web: v2");
      await pollUntil(
        "web v2 through h2's edge",
        async () =>
          (await get(`http://${H2.address}:${INGRESS_PORT}/`).catch(() => undefined))?.body === "web v2",
        { ...BED_POLL, timeoutMs: 120_000 },
      );
      const report = await stream.stop();
      console.log(
        `web via h2 with ${OUTSIDE_PORT} held outside Docker: ${report.ok} ok, ${report.failed} failed`,
      );
      expect(report.failures).toEqual([]);
      expect(await edgeIds()).toEqual(before);
      expect(world.output).toContain("edge cannot bind ports: left out");
    } finally {
      outside.kill();
    }
  }, 240_000);
});

const OUTSIDE_PORT = 9095;

function outsideYaml(): string {
  return `kind: Service
name: outside
image: gitfleet/busybox:1.35
command: ["sh", "-c", "trap 'exit 0' TERM; echo outside > /tmp/index.html; httpd -f -p 9000 -h /tmp & wait"]
ports: [{target: 9000, published: ${OUTSIDE_PORT}}]
deploy:
  replicas: 1
`;
}
