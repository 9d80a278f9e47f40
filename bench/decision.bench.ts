// Decision benchmark (issue 13, item 4): what a reconcile pass spends deciding
// (schedule + plan) after one service changed, at 1,000 services / ~10,000
// replicas / 100 hosts, incremental (what the reconciler runs: the last pass's
// placement and plan reused for the services that did not change) beside the
// full decision over the whole cluster. The observed state is rebuilt as new
// objects before every run, as the observer hands it over each pass; the
// desired state either keeps the unchanged services' spec objects (what the
// spec loader's cache returns) or is re-read entirely as new objects.
// Pure, in memory, one core. Run alone: npx tsx bench/decision.bench.ts

import { pathToFileURL } from "node:url";
import { isDeepStrictEqual } from "node:util";
import type { ObservedCluster } from "../src/model/observed.js";
import type { DesiredState } from "../src/model/spec.js";
import { plan, planIncremental, type Plan, type PlanMemo } from "../src/plan/index.js";
import { schedule, scheduleIncremental, type ScheduleState } from "../src/schedule/index.js";
import { convergedReplicas } from "../test/support/placement.js";
import {
  type BenchContext,
  type BenchSection,
  ms,
  stats,
  thousands,
  timingRow,
  type Timing,
  timeOnce,
} from "./harness.js";
import { observedOf, syntheticDesired, withChange } from "./synthetic-cluster.js";

const SIZE = {
  hosts: Number(process.env.DECISION_BENCH_HOSTS ?? 100),
  services: Number(process.env.DECISION_BENCH_SERVICES ?? 1000),
  replicasPerService: 10,
};
const CHANGES = Number(process.env.DECISION_BENCH_CHANGES ?? 40);
const GOAL_MS = 20;

/** What the observer hands over each pass: the same cluster, as new objects. */
function reread(o: ObservedCluster): ObservedCluster {
  return { hosts: o.hosts.map((h) => ({ ...h })), replicas: o.replicas.map((r) => ({ ...r })) };
}

/** Service i changed as a commit would change it, the cluster read again as a new object too. */
function changed(d: DesiredState, i: number): DesiredState {
  return { ...withChange(d, i), cluster: { ...d.cluster } };
}

export async function run(ctx: BenchContext): Promise<BenchSection> {
  const desired = syntheticDesired(SIZE);
  const running = observedOf(desired, convergedReplicas(desired, schedule(desired, observedOf(desired, []))));
  const replicas = running.replicas.length;
  ctx.log(`${thousands(SIZE.services)} services, ${thousands(replicas)} replicas, ${SIZE.hosts} hosts`);

  // The state the last pass left: a full decision over the converged cluster.
  const sched: ScheduleState = scheduleIncremental(undefined, desired, running);
  const memo: PlanMemo = planIncremental(undefined, desired, sched.placement, running).memo;
  const changes = Array.from({ length: CHANGES }, (_, k) =>
    changed(desired, (k * 37) % desired.services.length),
  );

  const full: Timing = { wall: [], cpu: [] };
  const inc: Timing = { wall: [], cpu: [] };
  const incFresh: Timing = { wall: [], cpu: [] };
  let checked = 0;
  const decideFull = (d: DesiredState, o: ObservedCluster): Plan => plan(d, schedule(d, o), o);
  const decideInc = (d: DesiredState, o: ObservedCluster): Plan =>
    planIncremental(memo, d, scheduleIncremental(sched, d, o).placement, o).plan;
  for (const d of changes.slice(0, 3)) {
    decideFull(d, reread(running)); // warm-up
    decideInc(d, reread(running));
  }
  // Pairs interleaved, each on its own fresh observation; the results must agree.
  for (const d of changes) {
    const a = timeOnce(() => decideFull(d, reread(running)), full);
    const o = reread(running);
    const b = timeOnce(() => decideInc(d, o), inc);
    const fresh = structuredClone(d);
    const o2 = reread(running);
    const c = timeOnce(() => decideInc(fresh, o2), incFresh);
    if (a.rollouts.length === 0 || !isDeepStrictEqual(a, b) || !isDeepStrictEqual(a, c))
      throw new Error(`incremental and full decisions differ for ${d.services.length} services`);
    checked++;
  }
  ctx.log(`checked ${checked} changes`);

  const incStats = stats(inc.wall);
  const fullStats = stats(full.wall);
  const markdown = [
    `Synthetic cluster (seeded, as in the planner bench): ${thousands(SIZE.hosts)} hosts, ` +
      `${thousands(SIZE.services)} services, ${thousands(replicas)} replicas, all running. One service ` +
      `changes (2 more replicas, new spec hash), ${CHANGES} different services, each decided from the state ` +
      "the last pass left. Decision = schedule + plan, from the observed state rebuilt as new objects (as the " +
      "observer hands it over every pass); full and incremental interleaved, and their plans compared " +
      "(deep equality) on every change. CPU time is given beside wall time because this machine is shared.",
    "",
    "| decision after one service changed | wall time: median (min, max, runs) | CPU time: median | goal (wall median) |",
    "|---|---|---|---|",
    timingRow(
      "incremental (`scheduleIncremental` + `planIncremental`, what the reconciler runs); unchanged specs kept as objects",
      inc,
      `< ${GOAL_MS} ms: ${incStats.median < GOAL_MS ? "meets" : "misses"} (p90 ${ms(incStats.p90)})`,
    ),
    timingRow("incremental, the whole desired state re-read as new objects", incFresh, "—"),
    timingRow("full (`schedule` + `plan` over every service)", full, "—"),
    "",
    `Incremental against full: ${(fullStats.median / incStats.median).toFixed(1)}× faster (wall medians). ` +
      "A pass falls back to the full decision when hosts change, a quarter of the services or more change, " +
      "services are added or removed, volumes or hosts to avoid are in play, rebalancing is on, or a host is " +
      "over capacity; the incremental result equals the full one (property test " +
      "test/unit/reconcile/decisions.test.ts).",
  ].join("\n");
  return { title: "Decision: one service changed at 1,000 services / 100 hosts", markdown };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  run({ log: (l) => process.stderr.write(`${l}\n`) }).then(
    (s) => process.stdout.write(`## ${s.title}\n\n${s.markdown}\n`),
    (err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exit(1);
    },
  );
}
