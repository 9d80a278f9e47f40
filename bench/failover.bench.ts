// Failover time on the three-host test bed: a host's dockerd is frozen
// (SIGSTOP: its API hangs, the way a wedged host looks), the clock runs until
// every replica it held serves (running and healthy) on the survivors. The
// same drill, in the same run, on the same hosts, for gitfleet and for Docker
// Swarm (h1 manager, h2/h3 workers, an equivalent service from the local
// registry). Swarm is torn down afterwards so the e2e tests are unaffected.
// Holds the shared test bed lock (/run/gitfleet-e2e.lock) for the whole run;
// GITFLEET_BENCH_LOCK_HELD=1 when the caller already holds it.

import Docker from "dockerode";
import { failureCluster, servingOn, settled, others, busiest } from "../test/e2e/failures/support.js";
import { BED_POLL, OperatorWorld } from "../test/e2e/operator/support.js";
import { pollUntil } from "../test/support/poll.js";
import {
  dockerFor,
  freezeHost,
  resetTestbed,
  TESTBED,
  thawHost,
  type TestbedHost,
} from "../test/support/testbed.js";
import { type BenchContext, type BenchSection, ms, stats, spread } from "./harness.js";
import { testbedDown, underLock } from "./testbed-lock.js";

const RUNS = Number(process.env["GITFLEET_FAILOVER_RUNS"] ?? 3);

const SWARM_SERVICE = "failover-web";
const SWARM_IMAGE = `${TESTBED.registry}/gitfleet/web:1`;

export async function prerequisites(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return "needs root (the test bed's network namespaces)";
  return testbedDown();
}

export function run(ctx: BenchContext): Promise<BenchSection> {
  return underLock(ctx, async () => {
    const gitfleet = await gitfleetRuns(ctx);
    const swarm = await swarmRuns(ctx);
    const g = stats(gitfleet);
    const s = stats(swarm);
    const ratio = g.median / s.median;
    return {
      title: "Failover: host frozen → its replicas serving elsewhere",
      markdown: [
        `Three hosts, a web service of 3 replicas (healthcheck every 1 s); the busiest host's dockerd is`,
        `frozen (SIGSTOP) and the clock stops when all 3 replicas are running and healthy on the others.`,
        `gitfleet: host_down_after 3 s (the default), heartbeat every 1 s, ping deadline from the adapter.`,
        `Swarm: docker ${await swarmVersion()} defaults (h1 manager, h2/h3 workers, only workers frozen).`,
        "",
        "| | failover: median (min, max, runs) |",
        "|---|---|",
        `| gitfleet | ${spread(g)} |`,
        `| Docker Swarm | ${spread(s)} |`,
        "",
        `gitfleet / Swarm median: ${ratio.toFixed(2)} (target ≤ 0.50: ${ratio <= 0.5 ? "met" : "NOT met"}).`,
        `Samples: gitfleet ${gitfleet.map(ms).join(", ")}; Swarm ${swarm.map(ms).join(", ")}.`,
      ].join("\n"),
    };
  });
}

async function gitfleetRuns(ctx: BenchContext): Promise<number[]> {
  await resetTestbed();
  const world = await OperatorWorld.create({});
  const samples: number[] = [];
  try {
    await world.push({ "cluster.yaml": failureCluster("2s"), "services/web.yaml": webOnly() }, "bench");
    world.startOperator();
    for (let i = 0; i < RUNS; i++) {
      const before = await pollUntil("gitfleet settled", () => settled(world, { web: 3 }), {
        ...BED_POLL,
        timeoutMs: 120_000,
      });
      const victim = busiest(before);
      const t0 = performance.now();
      await freezeHost(victim);
      try {
        await pollUntil("web serving on the survivors", () => servingOn(others(victim), { web: 3 }), {
          ...BED_POLL,
          timeoutMs: 60_000,
        });
        samples.push(performance.now() - t0);
      } finally {
        await thawHost(victim);
      }
      ctx.log(`gitfleet run ${i + 1}: ${ms(samples.at(-1) ?? NaN)} (froze ${victim.name})`);
    }
    await pollUntil("gitfleet settled", () => settled(world, { web: 3 }), {
      ...BED_POLL,
      timeoutMs: 120_000,
    });
  } finally {
    await world.close();
    await resetTestbed();
  }
  return samples;
}

function webOnly(): string {
  return `kind: Service
name: web
image: gitfleet/web:1
ports: [{target: 8080}]
healthcheck: {test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8080/health"], interval: 1s, timeout: 1s, retries: 2}
deploy:
  replicas: 3
  placement: {preferences: [{spread: node.labels.zone}]}
`;
}

async function swarmRuns(ctx: BenchContext): Promise<number[]> {
  const [m, ...workers] = TESTBED.hosts;
  const manager = dockerFor(m, { timeoutMs: 30_000 });
  const samples: number[] = [];
  try {
    await manager.swarmInit({ ListenAddr: `${m.address}:2377`, AdvertiseAddr: m.address });
    const info = (await manager.swarmInspect()) as { JoinTokens: { Worker: string } };
    for (const w of workers)
      await dockerFor(w, { timeoutMs: 30_000 }).swarmJoin({
        ListenAddr: `${w.address}:2377`,
        AdvertiseAddr: w.address,
        RemoteAddrs: [`${m.address}:2377`],
        JoinToken: info.JoinTokens.Worker,
      });
    await manager.createService(swarmSpec());
    for (let i = 0; i < RUNS; i++) {
      // Exactly 3: a thawed worker's superseded tasks must be gone, or they would count as serving.
      await pollUntil("swarm: exactly 3 serving", () => swarmExactly(3), { ...BED_POLL, timeoutMs: 180_000 });
      // Swarm never moves replicas back: freeze the worker holding the most (the manager must live);
      // when the workers hold none, start the replicas afresh (spread over the three nodes).
      let victim = await busiestWorker(workers);
      if (victim === undefined) {
        await scale(manager, 0);
        await scale(manager, 3);
        victim = await pollUntil("swarm: replicas on a worker", () => busiestWorker(workers), {
          ...BED_POLL,
          timeoutMs: 180_000,
        });
      }
      const t0 = performance.now();
      await freezeHost(victim);
      try {
        await pollUntil("swarm: 3 serving on the survivors", () => swarmServing(others(victim)), {
          ...BED_POLL,
          timeoutMs: 120_000,
        });
        samples.push(performance.now() - t0);
      } finally {
        await thawHost(victim);
      }
      ctx.log(`swarm run ${i + 1}: ${ms(samples.at(-1) ?? NaN)} (froze ${victim.name})`);
    }
  } finally {
    await manager
      .getService(SWARM_SERVICE)
      .remove()
      .catch(() => undefined);
    for (const h of [...workers, m])
      await dockerFor(h, { timeoutMs: 30_000 })
        .swarmLeave({ force: true })
        .catch(() => undefined);
    await resetTestbed();
  }
  return samples;
}

function swarmSpec(): Record<string, unknown> {
  return {
    Name: SWARM_SERVICE,
    TaskTemplate: {
      ContainerSpec: {
        Image: SWARM_IMAGE,
        HealthCheck: {
          Test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8080/health"],
          Interval: 1e9,
          Timeout: 1e9,
          Retries: 2,
        },
      },
      Placement: { Preferences: [{ Spread: { SpreadDescriptor: "node.id" } }] },
    },
    Mode: { Replicated: { Replicas: 3 } },
  };
}

async function scale(manager: Docker, replicas: number): Promise<void> {
  const svc = manager.getService(SWARM_SERVICE);
  const spec = (await svc.inspect()) as { Version: { Index: number }; Spec: Record<string, unknown> };
  await svc.update({
    ...spec.Spec,
    version: spec.Version.Index,
    Mode: { Replicated: { Replicas: replicas } },
  });
  if (replicas === 0)
    await pollUntil(
      "swarm: scaled to 0",
      async () => (await swarmCount(TESTBED.hosts, true)).every((n) => n === 0),
      { ...BED_POLL, timeoutMs: 120_000 },
    );
}

async function swarmExactly(n: number): Promise<boolean> {
  const counts = await swarmCount(TESTBED.hosts, true);
  const healthy = await swarmCount(TESTBED.hosts);
  const sum = (l: number[]) => l.reduce((a, b) => a + b, 0);
  return sum(counts) === n && sum(healthy) === n;
}

async function busiestWorker(workers: readonly TestbedHost[]): Promise<TestbedHost | undefined> {
  const counts = await swarmCount(workers);
  const best = Math.max(...counts);
  return best > 0 ? workers[counts.indexOf(best)] : undefined;
}

/** Running and healthy containers of the Swarm service on these hosts (with anyState: all of them). */
async function swarmCount(hosts: readonly TestbedHost[], anyState = false): Promise<number[]> {
  return Promise.all(
    hosts.map(async (h) => {
      const list = await dockerFor(h, { timeoutMs: 5_000 }).listContainers({
        filters: { label: [`com.docker.swarm.service.name=${SWARM_SERVICE}`] },
      });
      return list.filter((c) => anyState || (c.State === "running" && c.Status.includes("(healthy)"))).length;
    }),
  );
}

async function swarmServing(hosts: readonly TestbedHost[]): Promise<boolean> {
  return (await swarmCount(hosts)).reduce((a, b) => a + b, 0) >= 3;
}

async function swarmVersion(): Promise<string> {
  const v = (await dockerFor(TESTBED.hosts[0])
    .version()
    .catch(() => undefined)) as { Version?: string } | undefined;
  return v?.Version ?? "?";
}
