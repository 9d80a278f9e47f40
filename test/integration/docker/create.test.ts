// Creating replicas on the real local daemon: everything the spec says
// reaches the container, observe() rebuilds it from labels, 409 adopts,
// stop/remove are idempotent, and secret values never reach the log.

import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  DockerError,
  MissingSecretError,
  resolveSecretEnv,
  type DockerHost,
} from "../../../src/adapters/docker/index.js";
import { DirectorySecretStore } from "../../../src/adapters/system/secret-store.js";
import { clusterNetworkName } from "../../../src/model/names.js";
import {
  cleanupCluster,
  docker,
  ensureTestImage,
  inspect,
  openPolicy,
  serviceSpec,
  TEST_IMAGE,
} from "./fixtures.js";
import { localHost, testCluster, until, type CapturedLog } from "./support.js";

const cluster = testCluster("cr");
const SECRET = "pw-7f3a9c1e-never-log-me";
let host: DockerHost;
let log: CapturedLog;

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const addr = srv.address();
  await new Promise((r) => srv.close(r));
  if (addr === null || typeof addr === "string") throw new Error("no port");
  return addr.port;
}

beforeAll(async () => {
  await ensureTestImage();
  ({ host, log } = await localHost(cluster));
  expect(await host.ensureNetwork({ subnet: "10.247.13.0/24" })).toBe("created");
});

afterAll(async () => {
  host.close();
  await cleanupCluster(cluster);
});

describe("DockerHost.createReplica", () => {
  it("creates a container with every spec feature, and observe() rebuilds it from labels", async () => {
    const hostPort = await freePort();
    const service = serviceSpec({
      name: "web",
      command: ["httpd", "-f", "-p", "8080", "-h", "/www"],
      environment: { MODE: "test" },
      envSecrets: { DB_PASSWORD: "shop-db-password" },
      ports: [
        { target: 8080, protocol: "tcp", mode: "ingress", published: 80 },
        { target: 8081, protocol: "tcp", mode: "host", published: hostPort },
      ],
      healthcheck: {
        test: ["CMD-SHELL", 'test -n "$DB_PASSWORD"'],
        intervalMs: 1000,
        timeoutMs: 500,
        retries: 2,
        startPeriodMs: 2000,
      },
      volumes: [
        { type: "volume", source: "data", target: "/data", readOnly: false },
        { type: "tmpfs", target: "/tmp", readOnly: false },
        { type: "bind", source: "/tmp", target: "/host-tmp", readOnly: true },
      ],
      labels: { team: "shop", "gitfleet.cluster": "forged" },
      stopGracePeriodMs: 4500,
      user: "1000",
      readOnly: true,
      capAdd: ["NET_BIND_SERVICE"],
      capDrop: ["ALL"],
      deploy: {
        ...serviceSpec({ name: "x" }).deploy,
        limits: { nanoCpus: 500_000_000, memoryBytes: 64 * 1024 * 1024 },
      },
      specHash: "feedface00112233",
    });
    const created = await host.createReplica({
      service,
      slot: "1",
      commit: "c0ffee",
      secretEnv: { DB_PASSWORD: SECRET },
      hostAddress: "127.0.0.1",
      policy: openPolicy,
      restarts: 2,
    });
    expect(created.adopted).toBe(false);
    expect(created.name).toBe(`gf-${cluster}-web-1-feedface`);
    expect(await host.start(created.id)).toBe("started");

    const i = await inspect(created.id);
    expect(i.Config.Env).toEqual(expect.arrayContaining(["MODE=test", `DB_PASSWORD=${SECRET}`]));
    expect(i.Config.Cmd).toEqual(["httpd", "-f", "-p", "8080", "-h", "/www"]);
    expect(i.Config.User).toBe("1000");
    expect(i.Config.StopTimeout).toBe(5);
    expect(i.Config.Healthcheck).toEqual({
      Test: ["CMD-SHELL", 'test -n "$DB_PASSWORD"'],
      Interval: 1e9,
      Timeout: 5e8,
      Retries: 2,
      StartPeriod: 2e9,
    });
    expect(i.Config.Labels).toMatchObject({
      team: "shop",
      "gitfleet.cluster": cluster, // a user label cannot forge ours
      "gitfleet.service": "web",
      "gitfleet.slot": "1",
      "gitfleet.spec-hash": "feedface00112233",
      "gitfleet.commit": "c0ffee",
      "gitfleet.role": "replica",
      "gitfleet.restarts": "2",
    });
    expect(i.HostConfig.NanoCpus).toBe(500_000_000);
    expect(i.HostConfig.Memory).toBe(64 * 1024 * 1024);
    expect(i.HostConfig.ReadonlyRootfs).toBe(true);
    expect(i.HostConfig.CapAdd).toEqual(["NET_BIND_SERVICE"]);
    expect(i.HostConfig.CapDrop).toEqual(["ALL"]);
    expect(i.HostConfig.RestartPolicy.Name).toBe("no");
    expect(i.HostConfig.NetworkMode).toBe(clusterNetworkName(cluster));
    // The service name is the edge's alias, never a replica's (DNS would mix them).
    expect(i.NetworkSettings.Networks[clusterNetworkName(cluster)]?.Aliases ?? []).not.toContain("web");
    expect(i.HostConfig.PortBindings).toEqual({
      "8080/tcp": [{ HostIp: "127.0.0.1", HostPort: "" }],
      "8081/tcp": [{ HostIp: "127.0.0.1", HostPort: String(hostPort) }],
    });
    expect(i.HostConfig.Mounts).toEqual([
      expect.objectContaining({ Type: "volume", Source: `gf-${cluster}-data`, Target: "/data" }),
      expect.objectContaining({ Type: "tmpfs", Target: "/tmp" }),
      expect.objectContaining({ Type: "bind", Source: "/tmp", Target: "/host-tmp", ReadOnly: true }),
    ]);
    const volLabels = await docker("volume", "inspect", "-f", "{{json .Labels}}", `gf-${cluster}-data`);
    // The slot that made the volume owns it: that binds the slot to this host (volume affinity).
    expect(JSON.parse(volLabels)).toEqual({
      "gitfleet.cluster": cluster,
      "gitfleet.service": "web",
      "gitfleet.slot": "1",
      "gitfleet.volume": "data",
    });

    // The healthcheck only passes when the secret reached the process environment.
    const replica = await until("healthy replica", async () => {
      const r = (await host.observe()).find((x) => x.id === created.id);
      return r?.health === "healthy" ? r : undefined;
    });
    expect(replica).toMatchObject({
      name: created.name,
      host: "local",
      service: "web",
      slot: "1",
      specHash: "feedface00112233",
      commit: "c0ffee",
      state: "running",
      restartCount: 2,
    });
    expect(replica.startedAt).toBeGreaterThan(replica.createdAt - 1000);
    expect(replica.publishedPorts["8081/tcp"]).toBe(hostPort);
    const ephemeral = replica.publishedPorts["8080/tcp"];
    expect(ephemeral).toBeGreaterThan(0);
    const res = await fetch(`http://127.0.0.1:${ephemeral}/`);
    expect(res.status).toBe(404); // httpd answers (empty docroot) through the ephemeral edge-backend port

    // Names of env vars may be logged; the secret value never.
    expect(log.text()).toContain("DB_PASSWORD");
    expect(log.text()).not.toContain(SECRET);
  });

  it("adopts an existing container of the same name on 409, and refuses a foreign one", async () => {
    const service = serviceSpec({ name: "adopt", specHash: "aaaabbbbccccdddd" });
    const req = {
      service,
      slot: "2",
      commit: "c1",
      secretEnv: {},
      hostAddress: "127.0.0.1",
      policy: openPolicy,
    };
    const first = await host.createReplica(req);
    const second = await host.createReplica(req);
    expect(second).toEqual({ id: first.id, name: first.name, adopted: true });

    const foreignName = `gf-${cluster}-adopt-3-aaaabbbb`;
    await docker("create", "--name", foreignName, TEST_IMAGE, "sleep", "60");
    try {
      const err = await host.createReplica({ ...req, slot: "3" }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DockerError);
      expect((err as DockerError).code).toBe("conflict");
    } finally {
      await docker("rm", "-f", foreignName);
    }
  });

  it("stops and removes idempotently (304 and 404 count as done)", async () => {
    const service = serviceSpec({ name: "idem", specHash: "1111222233334444" });
    const c = await host.createReplica({
      service,
      slot: "1",
      commit: "c1",
      secretEnv: {},
      hostAddress: "127.0.0.1",
      policy: openPolicy,
    });
    expect(await host.start(c.id)).toBe("started");
    expect(await host.start(c.id)).toBe("already-running");
    expect(await host.stop(c.id, 0)).toBe("stopped");
    expect(await host.stop(c.id, 0)).toBe("already-stopped");
    const stopped = (await host.observe()).find((r) => r.id === c.id);
    expect(stopped?.state).toBe("exited");
    expect(stopped?.exitCode).toBe(137);
    expect(stopped?.finishedAt).toBeGreaterThan(0);
    expect(await host.remove(c.id)).toBe("removed");
    expect(await host.remove(c.id)).toBe("gone");
    expect(await host.stop(c.id, 0)).toBe("gone");
    expect((await host.observe()).some((r) => r.id === c.id)).toBe(false);
  });

  it("refuses what the cluster policy forbids before calling Docker", async () => {
    const service = serviceSpec({
      name: "sneaky",
      volumes: [{ type: "bind", source: "/var/run/docker.sock", target: "/sock", readOnly: false }],
    });
    const req = { service, slot: "1", commit: "c", secretEnv: {}, hostAddress: "127.0.0.1" };
    const allowAll = { ...openPolicy, allowBindMounts: ["/"] };
    const err = await host.createReplica({ ...req, policy: allowAll }).catch((e: unknown) => e);
    expect((err as DockerError).code).toBe("policy");
    const priv = await host
      .createReplica({
        ...req,
        service: serviceSpec({ name: "sneaky", privileged: true }),
        policy: openPolicy,
      })
      .catch((e: unknown) => e);
    expect((priv as DockerError).code).toBe("policy");
    expect((await host.listManaged()).some((c) => c.name.includes("sneaky"))).toBe(false);
  });

  it("reports a missing image with a stable code", async () => {
    const service = serviceSpec({ name: "noimg", image: "gitfleet-dev/does-not-exist:1" });
    const err = await host
      .createReplica({
        service,
        slot: "1",
        commit: "c",
        secretEnv: {},
        hostAddress: "127.0.0.1",
        policy: openPolicy,
      })
      .catch((e: unknown) => e);
    expect((err as DockerError).code).toBe("image-not-found");
    expect(await host.imageExists("gitfleet-dev/does-not-exist:1")).toBe(false);
    expect(await host.ensureImage(TEST_IMAGE)).toBe("present");
  });

  it("keeps the cluster network idempotent and reports capacity and images", async () => {
    expect(await host.ensureNetwork({ subnet: "10.247.13.0/24" })).toBe("unchanged");
    const subnet = await docker(
      "network",
      "inspect",
      "-f",
      "{{(index .IPAM.Config 0).Subnet}}",
      clusterNetworkName(cluster),
    );
    expect(subnet.trim()).toBe("10.247.13.0/24");
    const info = await host.info();
    const [ncpu, mem] = (await docker("info", "--format", "{{.NCPU}} {{.MemTotal}}")).trim().split(" ");
    expect(info.capacity).toEqual({ nanoCpus: Number(ncpu) * 1e9, memoryBytes: Number(mem) });
    expect(info.images).toContain(TEST_IMAGE);
  });

  it("resolves env_secrets from the secret store, naming every missing secret", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "gf-envsecrets-"));
    try {
      await writeFile(path.join(dir, "shop-db-password"), `${SECRET}\n`, { mode: 0o600 });
      const store = new DirectorySecretStore(dir);
      const ok = serviceSpec({ name: "s", envSecrets: { DB_PASSWORD: "shop-db-password" } });
      expect(await resolveSecretEnv(ok, store)).toEqual({ DB_PASSWORD: SECRET });
      const missing = serviceSpec({
        name: "s",
        envSecrets: { A: "nope-1", B: "shop-db-password", C: "nope-2", D: "../escape" },
      });
      const err = await resolveSecretEnv(missing, store).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MissingSecretError);
      expect((err as MissingSecretError).code).toBe("secret-missing");
      expect((err as MissingSecretError).secrets).toEqual(["../escape", "nope-1", "nope-2"]);
      expect((err as Error).message).not.toContain(SECRET);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("a stop waiting out its grace period does not hold up heartbeats or reads", async () => {
    const { host: one } = await localHost(cluster, { concurrency: 1 });
    // PID 1 without a SIGTERM handler ignores SIGTERM: stop takes the whole grace period.
    const c = await one.createReplica({
      service: serviceSpec({ name: "slowstop", specHash: "5555666677778888" }),
      slot: "1",
      commit: "c",
      secretEnv: {},
      hostAddress: "127.0.0.1",
      policy: openPolicy,
    });
    await one.start(c.id);
    const t0 = Date.now();
    const stopping = one.stop(c.id, 2000);
    await new Promise((r) => setTimeout(r, 200));
    await one.ping();
    await one.observe();
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(await stopping).toBe("stopped");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1900);
  });
});
