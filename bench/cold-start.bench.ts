// Cold-start benchmark (issue 13): 20 services × 3 replicas (no health
// checks, an image every test-bed host has, so no pulls) on the three test-bed
// hosts, from an operator process started on empty hosts (no containers, no
// cluster network, no Git cache, no status branch) to all 60 replicas started,
// side by side with the floor measured in the same run, the runs interleaved:
// the same 60 containers created and started straight through the Docker API
// (TCP, as the operator reaches the hosts), 4 at a time per host, hosts in
// parallel. Both sides are timed by the daemons' own start events.
// Needs the Docker test bed, which others share: the bench takes its lock.

import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type Docker from "dockerode";
import { OperatorWorld } from "../test/e2e/operator/support.js";
import { buildOperator } from "../test/support/operator-process.js";
import { gitCli } from "../test/support/git-fixtures.js";
import { dockerFor, dockerOverTcp, TESTBED, TESTBED_IMAGES } from "../test/support/testbed.js";
import { coldPhases, type ColdPhases } from "./cold-start-phases.js";
import { coldReport } from "./cold-start-report.js";
import { type BenchContext, BenchSkipped, ms } from "./harness.js";
import { watchStarts } from "./start-watch.js";
import { testbedDown, underLock } from "./testbed-lock.js";

const RUNS = Number(process.env["COLD_BENCH_RUNS"] ?? 5);
const SERVICES = 20;
const REPLICAS = 3;
const TOTAL = SERVICES * REPLICAS;
const PER_HOST_CONCURRENCY = 4;
const CLUSTER = "cold";
const CLUSTER_LABEL = `gitfleet.cluster=${CLUSTER}`;
const FLOOR_LABEL = "gitfleet-bench=cold-floor";
const FLOOR_NETWORK = "gf-bench-cold-floor";
const IMAGE = TESTBED_IMAGES.busybox;
const COMMAND = ["sleep", "86400"];
const TIMEOUT_MS = 180_000;

function clusterYaml(): string {
  const hosts = TESTBED.hosts.map(
    (h) => `  - {name: ${h.name}, docker: "${h.dockerUrl}", address: ${h.address}}`,
  );
  return [
    "kind: Cluster",
    `name: ${CLUSTER}`,
    "hosts:",
    ...hosts,
    `edge: {image: ${TESTBED_IMAGES.haproxy}}`,
    "",
  ].join("\n");
}

function serviceName(i: number): string {
  return `s${String(i + 1).padStart(2, "0")}`;
}

function serviceYaml(i: number): string {
  return [
    "kind: Service",
    `name: ${serviceName(i)}`,
    `image: ${IMAGE}`,
    `command: ${JSON.stringify(COMMAND)}`,
    "stop_grace_period: 1s",
    `deploy: {replicas: ${REPLICAS}}`,
    "",
  ].join("\n");
}

interface Host {
  readonly name: string;
  /** Over the unix socket: arranging, cleaning, watching. */
  readonly local: Docker;
  /** Over TCP, as the operator reaches it: the floor's calls. */
  readonly tcp: Docker;
}

function hosts(): Host[] {
  return TESTBED.hosts.map((h) => ({
    name: h.name,
    local: dockerFor(h, { timeoutMs: 30_000 }),
    tcp: dockerOverTcp(h, { timeoutMs: 30_000 }),
  }));
}

/** Every container of the cluster and of the floor gone, and their networks. */
async function emptyHosts(all: readonly Host[]): Promise<void> {
  await Promise.all(
    all.map(async (h) => {
      for (const label of [CLUSTER_LABEL, FLOOR_LABEL]) {
        const list = await h.local.listContainers({ all: true, filters: { label: [label] } });
        await pool(list, 8, (c) =>
          h.local
            .getContainer(c.Id)
            .remove({ force: true, v: true })
            .catch(() => undefined),
        );
      }
      const networks = await h.local.listNetworks();
      for (const n of networks.filter((x) => x.Name === `gf-${CLUSTER}` || x.Name === FLOOR_NETWORK))
        await h.local
          .getNetwork(n.Id)
          .remove()
          .catch(() => undefined);
    }),
  );
}

async function pool<T>(items: readonly T[], width: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await fn(item);
      }
    }),
  );
}

/** A first start: no Git cache, no status branch, nothing on the hosts. */
async function coldWorld(world: OperatorWorld, all: readonly Host[]): Promise<void> {
  await emptyHosts(all);
  await rm(path.join(world.dir, "cache"), { recursive: true, force: true });
  await gitCli(world.bare, ["update-ref", "-d", "refs/heads/gitfleet/status"]).catch(() => undefined);
}

async function gitfleetRun(
  world: OperatorWorld,
  all: readonly Host[],
  main: string,
): Promise<{ ms: number; phases: ColdPhases | undefined; log: string }> {
  await coldWorld(world, all);
  const watch = watchStarts(
    all.map((h) => ({ name: h.name, docker: h.local })),
    [CLUSTER_LABEL, "gitfleet.role=replica"],
    TOTAL,
    TIMEOUT_MS,
  );
  try {
    await watch.ready;
    world.output = "";
    const epoch = Date.now();
    world.startOperator(main);
    const starts = await watch.done;
    await world.stopOperator();
    const log = world.output;
    return { ms: starts.last - epoch, phases: coldPhases(log, epoch, starts), log };
  } finally {
    watch.close();
  }
}

/** The same containers straight through the Docker API: create + start, 4 at a time per host. */
async function floorRun(all: readonly Host[], network: boolean): Promise<number> {
  await emptyHosts(all);
  if (network) {
    await Promise.all(all.map((h) => h.local.createNetwork({ Name: FLOOR_NETWORK, Driver: "bridge" })));
  }
  const watch = watchStarts(
    all.map((h) => ({ name: h.name, docker: h.local })),
    [FLOOR_LABEL],
    TOTAL,
    TIMEOUT_MS,
  );
  try {
    await watch.ready;
    const epoch = Date.now();
    await Promise.all(
      all.map((h, hi) => {
        const names = Array.from({ length: SERVICES }, (_, i) => `cold-floor-${serviceName(i)}-${hi + 1}`);
        return pool(names, PER_HOST_CONCURRENCY, async (name) => {
          const c = await h.tcp.createContainer({
            name,
            Image: IMAGE,
            Cmd: COMMAND,
            Labels: { "gitfleet-bench": "cold-floor" },
            StopTimeout: 1,
            ...(network
              ? {
                  HostConfig: { NetworkMode: FLOOR_NETWORK },
                  NetworkingConfig: { EndpointsConfig: { [FLOOR_NETWORK]: {} } },
                }
              : {}),
          });
          await c.start();
        });
      }),
    );
    const starts = await watch.done;
    return starts.last - epoch;
  } finally {
    watch.close();
  }
}

export async function run(ctx: BenchContext): Promise<string> {
  const dist = await buildOperator((line) => ctx.log(line));
  return underLock(ctx, async () => {
    // Checked under the lock: an e2e test holding it may have a host stopped or cut off.
    const down = await testbedDown();
    if (down !== undefined) throw new BenchSkipped(down);
    const all = hosts();
    const world = await OperatorWorld.create({});
    const gitfleet: number[] = [];
    const phases: ColdPhases[] = [];
    const floor: number[] = [];
    const floorNet: number[] = [];
    try {
      const files: Record<string, string> = { "cluster.yaml": clusterYaml() };
      for (let i = 0; i < SERVICES; i++) files[`services/${serviceName(i)}.yaml`] = serviceYaml(i);
      await world.repo.commitAndPush(files, "bench: 20 services x 3");
      // Only the start-up sync counts: no poll during a run.
      const config = await readFile(world.configFile, "utf8");
      await writeFile(world.configFile, config.replace(/^poll: .*$/m, 'poll: "0 0 * * * *"'));
      // One unmeasured round first (warm caches, JIT), then the sides alternate.
      for (let i = -1; i < RUNS; i++) {
        const g = await gitfleetRun(world, all, dist.main);
        const f = await floorRun(all, false);
        const n = await floorRun(all, true);
        ctx.log(`run ${i}: gitfleet ${ms(g.ms)}; floor ${ms(f)}; floor on a network ${ms(n)}`);
        const keep = process.env["COLD_BENCH_LOG"];
        if (keep !== undefined && keep !== "") await writeFile(`${keep}.${i + 1}`, g.log);
        if (i < 0) continue;
        gitfleet.push(g.ms);
        if (g.phases !== undefined) phases.push(g.phases);
        floor.push(f);
        floorNet.push(n);
      }
      return coldReport({
        gitfleet,
        phases,
        floor,
        floorNet,
        setup: { services: SERVICES, replicas: REPLICAS, image: IMAGE, perHost: PER_HOST_CONCURRENCY },
      });
    } finally {
      await world.close();
      await emptyHosts(all);
    }
  }).finally(() => rm(dist.dir, { recursive: true, force: true }));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const ctx: BenchContext = { log: (line) => process.stderr.write(`${line}\n`) };
  run(ctx).then(
    (md) => process.stdout.write(`${md}\n`),
    (err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exit(1);
    },
  );
}
