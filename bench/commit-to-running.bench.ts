// Commit-to-running benchmark (issue 5): how long after `git push` returns a
// one-service image change (gitfleet/web:1 <-> gitfleet/web:2, 1 replica, one
// test-bed host) runs under `gitfleet run` polling every second, side by side
// with the floor measured in the same run: the git CLI fetching a fresh
// one-file commit from the same Git server plus `docker run -d` of the same
// image on the same host. Optionally the same change announced by the webhook.
// Needs the Docker test bed, which others share: the bench takes its lock
// (bench/testbed-lock.ts; GITFLEET_BENCH_LOCK_HELD=1 when the caller holds it).

import { readFile, writeFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import type Docker from "dockerode";
import { BED_POLL, OperatorWorld } from "../test/e2e/operator/support.js";
import { pollUntil } from "../test/support/poll.js";
import { dockerFor, dockerOverTcp, hostNamed, TESTBED_IMAGES, testbed } from "../test/support/testbed.js";
import { Floor, FLOOR_LABEL, type HealthSpec } from "./commit-floor.js";
import { containerIds, healthOf, SAMPLE_MS, watchNew } from "./container-watch.js";
import { type BenchContext, ms, spread, stats } from "./harness.js";
import { report, type Samples } from "./commit-to-running-report.js";
import { phasesAfter } from "./operator-phases.js";
import { underLock } from "./testbed-lock.js";

const RUNS = Number(process.env["COMMIT_BENCH_RUNS"] ?? 10);
const WEBHOOK_RUNS = Number(process.env["COMMIT_BENCH_WEBHOOK_RUNS"] ?? 6);
const CLUSTER = "bench";
const CLUSTER_LABEL = `gitfleet.cluster=${CLUSTER}`;
/** The web service's replicas (the cluster also runs an edge container on the host). */
const WEB = [CLUSTER_LABEL, "gitfleet.service=web"];
const HOST = hostNamed("h1");
const IMAGES = [TESTBED_IMAGES.web1, TESTBED_IMAGES.web2] as const;
const HEALTH: HealthSpec = {
  test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8080/health"],
  intervalMs: 1000,
  timeoutMs: 1000,
  retries: 2,
};
const EVERY_SECOND = "* * * * * *";
/** A user-defined bridge of the floor's own, like the cluster network gitfleet's replicas join. */
const FLOOR_NETWORK = "gf-bench-floor-net";
/** Hourly: in the webhook phase only the webhook triggers a pass. */
const RARELY = "0 0 * * * *";

function clusterYaml(): string {
  return [
    "kind: Cluster",
    `name: ${CLUSTER}`,
    `hosts: [{name: ${HOST.name}, docker: "${HOST.dockerUrl}", address: ${HOST.address}}]`,
    // As in the e2e tests: an image the hosts have (the default edge image is not on the test bed).
    `edge: {image: ${TESTBED_IMAGES.haproxy}}`,
    "",
  ].join("\n");
}

function webYaml(image: string): string {
  return [
    "kind: Service",
    "name: web",
    `image: ${image}`,
    `healthcheck: {test: ${JSON.stringify(HEALTH.test)}, interval: ${HEALTH.intervalMs}ms, ` +
      `timeout: ${HEALTH.timeoutMs}ms, retries: ${HEALTH.retries}}`,
    // httpd as PID 1 ignores SIGTERM: a short grace period keeps the old replica's stop short.
    "stop_grace_period: 1s",
    "deploy:",
    "  replicas: 1",
    "  update_config: {parallelism: 1, order: start-first, monitor: 1s, failure_action: rollback}",
    "",
  ].join("\n");
}

export async function prerequisites(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return "needs root (the Docker test bed)";
  try {
    await testbed("status");
  } catch {
    return "the Docker test bed is not up: run scripts/testbed.sh up && scripts/build-images.sh --testbed";
  }
  const docker = dockerFor(HOST, { timeoutMs: 5_000 });
  for (const image of IMAGES) {
    const present = await docker
      .getImage(image)
      .inspect()
      .then(() => true)
      .catch(() => false);
    if (!present) return `${image} is not on ${HOST.name}: run scripts/build-images.sh --testbed`;
  }
  return undefined;
}

async function setPoll(world: OperatorWorld, schedule: string): Promise<void> {
  const text = await readFile(world.configFile, "utf8");
  const next = text.replace(/^poll: .*$/m, `poll: "${schedule}"`);
  if (next === text && !text.includes(`poll: "${schedule}"`)) throw new Error("no poll line in the config");
  await writeFile(world.configFile, next);
}

/** One web container, of this image, healthy, and the status branch says this commit is Synced. */
async function settled(world: OperatorWorld, docker: Docker, commit: string, image: string): Promise<void> {
  await pollUntil(
    `web ${image} settled at ${commit.slice(0, 7)}`,
    async () => {
      const list = await docker.listContainers({ all: true, filters: { label: WEB } });
      const [only] = list;
      if (list.length !== 1 || only?.Image !== image || healthOf(only.Status) !== "healthy") return false;
      const status = await world.status("status/cluster.yaml");
      return status.includes(commit) && status.includes("sync: Synced");
    },
    { ...BED_POLL, timeoutMs: 90_000 },
  );
  // A random pause, so pushes land at a random phase of the 1 s poll.
  await new Promise((r) => setTimeout(r, 300 + Math.random() * 1000));
}

async function gitfleetRun(world: OperatorWorld, docker: Docker, i: number, webhook: boolean) {
  const image = IMAGES[i % 2 === 0 ? 1 : 0];
  const before = await containerIds(docker, WEB);
  const commit = await world.repo.commitAndPush({ "services/web.yaml": webYaml(image) }, `web: ${image}`);
  const t0 = performance.now();
  const epoch = Date.now();
  const watching = watchNew(docker, { labels: WEB, image, exclude: before, t0, timeoutMs: 60_000 });
  if (webhook) await world.notify(commit);
  const seen = await watching;
  await settled(world, docker, commit, image);
  return { ...seen, phases: phasesAfter(world.output, epoch) };
}

async function floorRun(floor: Floor, docker: Docker, i: number) {
  const image = IMAGES[i % 2 === 0 ? 1 : 0];
  await floor.commit();
  const t0 = performance.now();
  const watching = watchNew(docker, {
    labels: [FLOOR_LABEL],
    image,
    exclude: new Set(),
    t0,
    timeoutMs: 60_000,
  });
  const fetchMs = await floor.fetch();
  const runMs = await floor.run(image);
  const seen = await watching;
  await docker.getContainer(seen.id).remove({ force: true });
  // The same create + start on a user-defined bridge (not part of the floor: where the difference
  // between gitfleet's create + start and the floor's comes from).
  const before = await containerIds(docker, [FLOOR_LABEL]);
  const runNetMs = await floor.run(image, FLOOR_NETWORK);
  for (const id of await containerIds(docker, [FLOOR_LABEL]))
    if (!before.has(id)) await docker.getContainer(id).remove({ force: true });
  return { seen, fetchMs, runMs, runNetMs };
}

async function cleanUp(docker: Docker): Promise<void> {
  for (const label of [CLUSTER_LABEL, FLOOR_LABEL]) {
    for (const id of await containerIds(docker, [label])) {
      await docker
        .getContainer(id)
        .remove({ force: true })
        .catch(() => undefined);
    }
  }
  for (const network of [`gf-${CLUSTER}`, FLOOR_NETWORK]) {
    await docker
      .getNetwork(network)
      .remove()
      .catch(() => undefined);
  }
}

export function run(ctx: BenchContext): Promise<string> {
  return underLock(ctx, () => measure(ctx));
}

async function measure(ctx: BenchContext): Promise<string> {
  const docker = dockerFor(HOST, { timeoutMs: 10_000 });
  await cleanUp(docker);
  const world = await OperatorWorld.create({});
  const s: Samples = {
    poll: { running: [], healthy: [], phases: [] },
    webhook: { running: [], healthy: [], phases: [] },
    floor: { running: [], healthy: [], fetch: [], run: [], runNet: [] },
  };
  try {
    const first = await world.repo.commitAndPush(
      { "cluster.yaml": clusterYaml(), "services/web.yaml": webYaml(IMAGES[0]) },
      "bench: web 1",
    );
    await setPoll(world, EVERY_SECOND);
    world.startOperator();
    await settled(world, docker, first, IMAGES[0]);
    const floor = await Floor.create(world, dockerOverTcp(HOST, { timeoutMs: 10_000 }), HEALTH);
    await docker.createNetwork({ Name: FLOOR_NETWORK, Driver: "bridge" });
    let step = 0;
    // One unmeasured pair first (warm caches, JIT), then alternate gitfleet and floor runs.
    for (let i = -1; i < RUNS; i++, step++) {
      const g = await gitfleetRun(world, docker, step, false);
      const f = await floorRun(floor, docker, step);
      ctx.log(
        `run ${i}: gitfleet running ${ms(g.running)} healthy ${ms(g.healthy ?? NaN)}; ` +
          `floor fetch ${ms(f.fetchMs)} + run ${ms(f.runMs)}, running ${ms(f.seen.running)}; ` +
          `run on a network ${ms(f.runNetMs)}`,
      );
      if (i < 0) continue;
      s.poll.running.push(g.running);
      s.poll.healthy.push(g.healthy ?? NaN);
      if (g.phases !== undefined) s.poll.phases.push(g.phases);
      s.floor.running.push(f.seen.running);
      s.floor.healthy.push(f.seen.healthy ?? NaN);
      s.floor.fetch.push(f.fetchMs);
      s.floor.run.push(f.runMs);
      s.floor.runNet.push(f.runNetMs);
    }
    if (WEBHOOK_RUNS > 0) {
      await world.stopOperator();
      await setPoll(world, RARELY);
      world.startOperator();
      await pollUntil("the webhook listening", async () => (await world.notify("0000000")) === 202, {
        ...BED_POLL,
        timeoutMs: 30_000,
      });
      for (let i = 0; i < WEBHOOK_RUNS; i++, step++) {
        const g = await gitfleetRun(world, docker, step, true);
        ctx.log(`webhook run ${i}: running ${ms(g.running)} healthy ${ms(g.healthy ?? NaN)}`);
        s.webhook.running.push(g.running);
        s.webhook.healthy.push(g.healthy ?? NaN);
        if (g.phases !== undefined) s.webhook.phases.push(g.phases);
      }
    }
    ctx.log(`gitfleet (poll) running ${spread(stats(s.poll.running))}`);
    return report(s, { host: HOST.name, sampleMs: SAMPLE_MS, images: IMAGES, health: HEALTH });
  } finally {
    await world.close();
    await cleanUp(docker);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const ctx: BenchContext = { log: (line) => process.stderr.write(`${line}\n`) };
  prerequisites()
    .then(async (missing) => (missing === undefined ? run(ctx) : `Skipped: ${missing}`))
    .then(
      (md) => process.stdout.write(`${md}\n`),
      (err: unknown) => {
        process.stderr.write(`${String(err)}\n`);
        process.exit(1);
      },
    );
}
