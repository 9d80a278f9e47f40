// Shared pieces of the Docker adapter's integration tests: a tiny local test
// image (busybox-static imported as a rootfs: there is no Docker Hub here), a
// ServiceSpec builder, a raw `docker inspect` for independent checks, and
// cleanup of everything labelled with a test cluster.

import { execFile } from "node:child_process";
import { mkdtemp, mkdir, copyFile, symlink, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect } from "vitest";
import type { DockerHost } from "../../../src/adapters/docker/index.js";
import type { CreateResult, ReplicaSpec } from "../../../src/adapters/docker/replica.js";
import type { ServiceSpec } from "../../../src/model/spec.js";

const run = promisify(execFile);

export const TEST_IMAGE = "gitfleet-dev/busybox:test";
const APPLETS = [
  "sh",
  "test",
  "sleep",
  "httpd",
  "wget",
  "env",
  "cat",
  "id",
  "touch",
  "nc",
  "true",
  "echo",
  "ls",
];

export async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run("docker", args, { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/** Build the test image once per machine from Debian's busybox-static. */
export async function ensureTestImage(): Promise<void> {
  try {
    await docker("image", "inspect", TEST_IMAGE);
    return;
  } catch {
    // build it below
  }
  const root = await mkdtemp(path.join(tmpdir(), "gf-rootfs-"));
  try {
    await mkdir(path.join(root, "bin"));
    await mkdir(path.join(root, "tmp"));
    await mkdir(path.join(root, "www"));
    await copyFile("/usr/bin/busybox", path.join(root, "bin/busybox"));
    for (const a of APPLETS) await symlink("busybox", path.join(root, "bin", a));
    await run("sh", [
      "-c",
      `tar -C ${root} -c . | docker import -c 'CMD ["/bin/sh"]' -c 'ENV PATH=/bin' - ${TEST_IMAGE}`,
    ]);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

export interface InspectJson {
  Id: string;
  Name: string;
  Config: {
    Env: string[];
    Labels: Record<string, string>;
    User: string;
    Cmd: string[] | null;
    Entrypoint: string[] | null;
    StopTimeout?: number;
    Healthcheck?: { Test: string[]; Interval: number; Timeout: number; Retries: number; StartPeriod: number };
  };
  HostConfig: {
    NanoCpus: number;
    Memory: number;
    ReadonlyRootfs: boolean;
    CapAdd: string[] | null;
    CapDrop: string[] | null;
    RestartPolicy: { Name: string };
    NetworkMode: string;
    PortBindings: Record<string, Array<{ HostIp: string; HostPort: string }>>;
    Mounts?: Array<{ Type: string; Source: string; Target: string; ReadOnly?: boolean }>;
  };
  NetworkSettings: { Networks: Record<string, { Aliases: string[] | null }> };
  State: { Status: string; Running: boolean; Health?: { Status: string } };
}

export async function inspect(id: string): Promise<InspectJson> {
  const parsed = JSON.parse(await docker("inspect", id)) as InspectJson[];
  const first = parsed[0];
  if (!first) throw new Error(`no container ${id}`);
  return first;
}

/** Remove every container, network and volume labelled with this test cluster. */
export async function cleanupCluster(cluster: string): Promise<void> {
  const label = `gitfleet.cluster=${cluster}`;
  const ids = (await docker("ps", "-aq", "--filter", `label=${label}`)).split("\n").filter(Boolean);
  if (ids.length > 0) await docker("rm", "-fv", ...ids);
  const nets = (await docker("network", "ls", "-q", "--filter", `label=${label}`))
    .split("\n")
    .filter(Boolean);
  if (nets.length > 0) await docker("network", "rm", ...nets);
  const vols = (await docker("volume", "ls", "-q", "--filter", `label=${label}`)).split("\n").filter(Boolean);
  if (vols.length > 0) await docker("volume", "rm", "-f", ...vols);
}

export function serviceSpec(over: Partial<ServiceSpec> & { name: string }): ServiceSpec {
  const update = {
    parallelism: 1,
    delayMs: 0,
    order: "start-first",
    failureAction: "rollback",
    monitorMs: 5000,
    maxFailureRatio: 0,
  } as const;
  return {
    image: TEST_IMAGE,
    command: ["sleep", "3600"],
    environment: {},
    envSecrets: {},
    ports: [],
    dependsOn: [],
    volumes: [],
    labels: {},
    stopGracePeriodMs: 1000,
    readOnly: false,
    capAdd: [],
    capDrop: [],
    privileged: false,
    deploy: {
      mode: "replicated",
      replicas: 1,
      limits: { nanoCpus: 0, memoryBytes: 0 },
      reservations: { nanoCpus: 0, memoryBytes: 0 },
      placement: { constraints: [], preferences: [], maxReplicasPerNode: 0 },
      updateConfig: update,
      rollbackConfig: update,
      restartPolicy: { condition: "any", delayMs: 0, maxAttempts: 0, windowMs: 0 },
    },
    specHash: "0123456789abcdef",
    source: { path: "services/x.yaml", line: 1, col: 1 },
    ...over,
  };
}

export const openPolicy = { allowPrivileged: false, allowHostNetwork: false, allowBindMounts: ["/tmp"] };

/** Slot 1 of `service` created on the local host under the open policy, and started. */
export async function startedReplica(
  host: DockerHost,
  service: ServiceSpec,
  extra: Partial<ReplicaSpec> = {},
): Promise<CreateResult> {
  const created = await host.createReplica({
    service,
    slot: "1",
    commit: "c0ffee",
    secretEnv: {},
    hostAddress: "127.0.0.1",
    policy: openPolicy,
    ...extra,
  });
  expect(await host.start(created.id)).toBe("started");
  return created;
}
