// Acceptance of the test bed (issue 2): three real Docker hosts with their own
// addresses, and the failures the operator's tests inject: freeze, cut, kill.

import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  TESTBED,
  TESTBED_IMAGES,
  cutHost,
  dockerFor,
  dockerOverTcp,
  freezeHost,
  killHost,
  resetTestbed,
  restoreHost,
  startHost,
  thawHost,
  type TestbedHost,
} from "../support/testbed.js";

const [h1, h2, h3] = TESTBED.hosts;
const PORT = 18080;

/** Starts gitfleet/web:1 on the host, published on PORT of the host's own address. */
async function runWeb(docker: Docker): Promise<string> {
  const container = await docker.createContainer({
    Image: TESTBED_IMAGES.web1,
    ExposedPorts: { "8080/tcp": {} },
    HostConfig: { PortBindings: { "8080/tcp": [{ HostPort: String(PORT) }] } },
  });
  await container.start();
  return container.id;
}

/** Runs a one-off container to its end and returns what it printed. */
async function runToEnd(docker: Docker, options: Docker.ContainerCreateOptions): Promise<string> {
  const container = await docker.createContainer({ ...options, Tty: true }); // Tty: plain, not multiplexed, output
  try {
    await container.start();
    await container.wait();
    const output = await container.logs({ stdout: true, stderr: true });
    return output.toString().replaceAll("\r\n", "\n"); // a terminal ends lines with CR LF
  } finally {
    await container.remove({ force: true });
  }
}

/** GET over the network; polls briefly, because httpd needs a moment after start. */
async function httpGet(url: string, withinMs = 5_000): Promise<string> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      return await response.text();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

const PING_TIMEOUT_MS = 1_500;

/** Resolves when the Docker API of the host answers a ping over TCP, rejects on timeout. */
function pingOverTcp(host: TestbedHost): Promise<unknown> {
  return dockerOverTcp(host, { timeoutMs: PING_TIMEOUT_MS }).ping();
}

/** How long a promise took to settle, and whether it failed. */
async function settle(promise: Promise<unknown>): Promise<{ failed: boolean; ms: number }> {
  const started = Date.now();
  const failed = await promise.then(
    () => false,
    () => true,
  );
  return { failed, ms: Date.now() - started };
}

describe("the Docker test bed", () => {
  // One web container per host, created through the API gitfleet uses.
  let webIds: string[] = [];
  beforeAll(async () => {
    await resetTestbed();
    webIds = await Promise.all(TESTBED.hosts.map((h) => runWeb(dockerOverTcp(h))));
  });
  afterAll(resetTestbed);

  it("runs three hosts, each its own dockerd with its own name and engine ID", async () => {
    const infos = await Promise.all(TESTBED.hosts.map((h) => dockerOverTcp(h).info()));
    expect(infos.map((info: { Name: string }) => info.Name)).toEqual(["h1", "h2", "h3"]);
    expect(new Set(infos.map((info: { ID: string }) => info.ID)).size).toBe(3);
  });

  it("serves a container on each host at that host's own address", async () => {
    for (const [i, h] of TESTBED.hosts.entries()) {
      // The same port on every host: only the address tells them apart, and whoami
      // names the container that answered.
      expect(await httpGet(`http://${h.address}:${PORT}/`)).toBe("web v1\n");
      const hostname = await httpGet(`http://${h.address}:${PORT}/cgi-bin/whoami`);
      expect(hostname.trim()).toBe(webIds[i]?.slice(0, 12));
    }
  });

  it("lets a container on one host reach a port published on another host", async () => {
    const answer = await runToEnd(dockerFor(h1), {
      Image: TESTBED_IMAGES.toolbox,
      Cmd: ["curl", "-sS", "--max-time", "5", `http://${h2.address}:${PORT}/cgi-bin/whoami`],
    });
    expect(answer.trim()).toBe(webIds[1]?.slice(0, 12));
  });

  it("gives the toolbox a client that resolves names through Docker's DNS", async () => {
    const docker = dockerFor(h1);
    const network = await docker.createNetwork({ Name: "testbed-dns" });
    const api = await docker.createContainer({
      Image: TESTBED_IMAGES.web2,
      NetworkingConfig: { EndpointsConfig: { "testbed-dns": { Aliases: ["api"] } } },
      HostConfig: { NetworkMode: "testbed-dns" },
    });
    try {
      await api.start();
      const answer = await runToEnd(docker, {
        Image: TESTBED_IMAGES.toolbox,
        // httpd needs a moment after start: retry for a few seconds.
        Cmd: [
          "curl",
          "-sS",
          "--retry",
          "20",
          "--retry-delay",
          "0",
          "--retry-connrefused",
          "http://api:8080/",
        ],
        HostConfig: { NetworkMode: "testbed-dns" },
      });
      expect(answer).toBe("web v2\n");
    } finally {
      await api.remove({ force: true });
      await network.remove();
    }
  });

  it("a frozen host stops answering the Docker API and answers again after thaw", async () => {
    await freezeHost(h2);
    try {
      // It hangs (the connection is accepted, nothing answers) until the client gives up.
      const ping = await settle(pingOverTcp(h2));
      expect(ping.failed).toBe(true);
      expect(ping.ms).toBeGreaterThanOrEqual(PING_TIMEOUT_MS - 50);
      await expect(pingOverTcp(h1)).resolves.toBeTruthy();
      // Its containers keep serving: only the control plane is gone.
      expect(await httpGet(`http://${h2.address}:${PORT}/health`)).toBe("ok\n");
    } finally {
      await thawHost(h2);
    }
    await expect(pingOverTcp(h2)).resolves.toBeTruthy();
  });

  it("a cut host is unreachable over the network and reachable again after restore", async () => {
    await cutHost(h3);
    try {
      await expect(pingOverTcp(h3)).rejects.toThrow();
      await expect(httpGet(`http://${h3.address}:${PORT}/health`, 0)).rejects.toThrow();
      // The harness still controls it through its unix socket.
      await expect(dockerFor(h3).ping()).resolves.toBeTruthy();
    } finally {
      await restoreHost(h3);
    }
    await expect(pingOverTcp(h3)).resolves.toBeTruthy();
    expect(await httpGet(`http://${h3.address}:${PORT}/health`)).toBe("ok\n");
  });

  it("a killed host stops answering and comes back with start, with its containers", async () => {
    const before = await dockerFor(h1).listContainers({ all: true });
    expect(before.map((c) => c.Id)).toContain(webIds[0]);
    await killHost(h1);
    await expect(dockerFor(h1, { timeoutMs: 1_500 }).ping()).rejects.toThrow();
    await expect(pingOverTcp(h1)).rejects.toThrow();
    await startHost(h1);
    await expect(pingOverTcp(h1)).resolves.toBeTruthy();
    const after = await dockerFor(h1).listContainers({ all: true });
    expect(after.map((c) => c.Id).sort()).toEqual(before.map((c) => c.Id).sort());
  });

  it("a host pulls an image from the local registry", async () => {
    const docker = dockerFor(h2);
    const ref = `${TESTBED.registry}/${TESTBED_IMAGES.web2}`;
    await docker
      .getImage(ref)
      .remove()
      .catch(() => undefined); // absent is what we want
    const stream = await docker.pull(ref);
    await new Promise<void>((resolve, reject) =>
      docker.modem.followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve())),
    );
    try {
      const pulled = await docker.getImage(ref).inspect();
      const local = await docker.getImage(TESTBED_IMAGES.web2).inspect();
      expect(pulled.Id).toBe(local.Id);
    } finally {
      await docker.getImage(ref).remove();
    }
  });
});
