// What the Compose mapping produces, accepted by the real local dockerd: a
// stack's Compose file with the newer service keys (tmpfs, ulimits, init,
// working_dir, extra_hosts, stop_signal, logging, security_opt, sysctls,
// hostname, dns, shm_size, pids_limit, group_add, env_file, a ./file bind
// mount) goes through the loader, its replica is created and started, and
// `docker inspect` shows each setting, as does the running process.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerHost } from "../../../src/adapters/docker/index.js";
import { loadSpec } from "../../../src/spec/index.js";
import { cleanupCluster, docker, ensureTestImage, startedReplica, TEST_IMAGE } from "./fixtures.js";
import { localHost, testCluster, until } from "./support.js";

const cluster = testCluster("co");
let host: DockerHost;

const COMPOSE = `services:
  app:
    image: ${TEST_IMAGE}
    command: ["sh", "-c", "pwd; echo MODE=$$MODE; cat /etc/app/app.conf; ulimit -n; sleep 300"]
    init: true
    working_dir: /srv
    hostname: app-host
    domainname: example.internal
    extra_hosts:
      - "db.local:10.1.2.3"
      - "cache.local=10.1.2.4"
    stop_signal: SIGUSR1
    tmpfs:
      - /run/scratch:size=1m,mode=1777
    ulimits:
      nofile: {soft: 4096, hard: 8192}
      nproc: 512
    logging:
      driver: json-file
      options: {max-size: "1m", max-file: "2"}
    security_opt: [no-new-privileges:true]
    sysctls:
      net.ipv4.ip_unprivileged_port_start: "1024"
    dns: [10.9.9.9]
    dns_search: [svc.internal]
    dns_opt: [ndots:2]
    shm_size: 32m
    pids_limit: 64
    group_add: ["4242"]
    cpu_shares: 512
    stdin_open: true
    tty: false
    cap_drop: [ALL]
    expose: ["9000"]
    env_file: app.env
    volumes:
      - ./app.conf:/etc/app/app.conf:ro
`;

beforeAll(async () => {
  await ensureTestImage();
  ({ host } = await localHost(cluster));
  await host.ensureNetwork({}, "opts_default");
});

afterAll(async () => {
  host.close();
  await cleanupCluster(cluster);
});

interface Inspected {
  Config: {
    Hostname: string;
    Domainname: string;
    WorkingDir: string;
    StopSignal: string;
    OpenStdin: boolean;
    Env: string[];
    ExposedPorts: Record<string, unknown>;
  };
  HostConfig: {
    Init: boolean;
    ExtraHosts: string[];
    Tmpfs: Record<string, string>;
    Ulimits: { Name: string; Soft: number; Hard: number }[];
    LogConfig: { Type: string; Config: Record<string, string> };
    SecurityOpt: string[];
    Sysctls: Record<string, string>;
    Dns: string[];
    DnsSearch: string[];
    DnsOptions: string[];
    ShmSize: number;
    PidsLimit: number;
    GroupAdd: string[];
    CpuShares: number;
    CapDrop: string[];
  };
  State: { Running: boolean };
}

describe("Compose service keys on the real daemon", () => {
  it("are accepted by Docker and show in docker inspect and in the process", async () => {
    const loaded = loadSpec(
      new Map([
        [
          "cluster.yaml",
          "kind: Cluster\nname: co\nhosts:\n  - {name: h1, docker: unix:///var/run/docker.sock, address: 127.0.0.1}\n",
        ],
        ["stacks/opts/compose.yaml", COMPOSE],
        ["stacks/opts/app.env", "MODE=from-env-file\n"],
        ["stacks/opts/app.conf", "listen 9000\n"],
      ]),
    );
    if (!loaded.ok) throw new Error(loaded.errors.map((e) => `${e.line}:${e.col} ${e.message}`).join("\n"));
    const service = loaded.state.services[0];
    if (service === undefined) throw new Error("no service");
    const created = await startedReplica(host, service);
    const i = (JSON.parse(await docker("inspect", created.id)) as Inspected[])[0];
    if (i === undefined) throw new Error("not inspected");
    expect(i.State.Running).toBe(true);
    expect(i.Config.Hostname).toBe("app-host");
    expect(i.Config.Domainname).toBe("example.internal");
    expect(i.Config.WorkingDir).toBe("/srv");
    expect(i.Config.StopSignal).toBe("SIGUSR1");
    expect(i.Config.OpenStdin).toBe(true);
    expect(i.Config.Env).toContain("MODE=from-env-file");
    expect(Object.keys(i.Config.ExposedPorts)).toContain("9000/tcp");
    expect(i.HostConfig.Init).toBe(true);
    expect(i.HostConfig.ExtraHosts.sort()).toEqual(["cache.local:10.1.2.4", "db.local:10.1.2.3"]);
    expect(i.HostConfig.Tmpfs).toEqual({ "/run/scratch": "size=1m,mode=1777" });
    expect(i.HostConfig.Ulimits).toEqual([
      { Name: "nofile", Soft: 4096, Hard: 8192 },
      { Name: "nproc", Soft: 512, Hard: 512 },
    ]);
    expect(i.HostConfig.LogConfig).toEqual({
      Type: "json-file",
      Config: { "max-size": "1m", "max-file": "2" },
    });
    expect(i.HostConfig.SecurityOpt).toEqual(["no-new-privileges:true"]);
    expect(i.HostConfig.Sysctls).toEqual({ "net.ipv4.ip_unprivileged_port_start": "1024" });
    expect(i.HostConfig.Dns).toEqual(["10.9.9.9"]);
    expect(i.HostConfig.DnsSearch).toEqual(["svc.internal"]);
    expect(i.HostConfig.DnsOptions).toEqual(["ndots:2"]);
    expect(i.HostConfig.ShmSize).toBe(32 * 1024 * 1024);
    expect(i.HostConfig.PidsLimit).toBe(64);
    expect(i.HostConfig.GroupAdd).toEqual(["4242"]);
    expect(i.HostConfig.CpuShares).toBe(512);
    expect(i.HostConfig.CapDrop).toEqual(["ALL"]);
    // The process sees them: its working directory, the env_file's variable, the copied file, the ulimit.
    const logs = await until(
      "the process's output",
      async () => {
        const out = await docker("logs", created.id);
        return out.includes("4096") ? out : undefined;
      },
      30_000,
    );
    expect(logs).toBe("/srv\nMODE=from-env-file\nlisten 9000\n4096\n");
    // init: Docker's init is PID 1, the command its child.
    expect(await docker("exec", created.id, "cat", "/proc/1/comm")).toMatch(/init/);
  }, 90_000);

  it("places a stack's store secrets as files with their modes before the process starts", async () => {
    const loaded = loadSpec(
      new Map([
        [
          "cluster.yaml",
          "kind: Cluster\nname: co\nhosts:\n  - {name: h1, docker: unix:///var/run/docker.sock, address: 127.0.0.1}\n",
        ],
        [
          "stacks/opts/compose.yaml",
          [
            "services:",
            "  db:",
            `    image: ${TEST_IMAGE}`,
            '    command: ["sh", "-c", "cat /run/secrets/db_password; echo; stat -c %a /run/secrets/db_password; sleep 300"]',
            "    secrets: [{source: db_password, mode: 0400}]",
            "secrets:",
            "  db_password: {external: true, name: shop-db-password}",
            "",
          ].join("\n"),
        ],
      ]),
    );
    if (!loaded.ok) throw new Error(loaded.errors.map((e) => `${e.line}:${e.col} ${e.message}`).join("\n"));
    const service = loaded.state.services[0];
    if (service === undefined) throw new Error("no service");
    expect(service.secretFiles).toEqual([
      { target: "/run/secrets/db_password", secret: "shop-db-password", mode: 0o400, uid: 0, gid: 0 },
    ]);
    const created = await startedReplica(host, service, {
      secretFiles: { "/run/secrets/db_password": "s3cret-value" },
    });
    const logs = await until(
      "the secret's content and mode",
      async () => {
        const out = await docker("logs", created.id);
        return out.includes("400") ? out : undefined;
      },
      30_000,
    );
    expect(logs).toBe("s3cret-value\n400\n");
    // The value is in the file only: not in the container's environment or labels.
    const inspected = await docker("inspect", created.id);
    expect(inspected).not.toContain("s3cret-value");
  }, 90_000);
});
