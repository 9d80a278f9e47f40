// Takeover time of standby operators (issue 20) on the three-host test bed:
// three `gitfleet run` instances (lease_ttl 5 s, renew_every 1 s,
// renew_deadline 3.5 s) share a three-member etcd on loopback, each reaching
// etcd through TCP proxies of its own (test/e2e/ha/support.ts, the e2e drills'
// world). Each round runs the four drills of the acceptance, in turn:
// kill -9 of the leader mid-rollout, SIGSTOP of the leader past its lease, the
// leader's network to etcd cut (not to the hosts), the etcd member leading
// Raft killed. A takeover is timed from the fault to etcd naming a new leader
// (polled every 50 ms); the etcd drill, where the lease normally survives, is
// timed as the gap during which no instance acts (gitfleet_is_leader scraped
// from every instance every 100 ms). Each run checks what the drill promises
// and the outcome is counted. An instance that exited is restarted (as
// systemd's Restart=always would) before the next drill.
// Holds the shared test bed lock (/run/gitfleet-e2e.lock) for the whole run;
// GITFLEET_BENCH_LOCK_HELD=1 when the caller already holds it.
// GITFLEET_HA_RUNS sets the rounds (default 10).

import { access, mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type EtcdCluster, raftLeader, startEtcd } from "../test/support/etcd.js";
import { resetTestbed } from "../test/support/testbed.js";
import { failureCluster, failureServices } from "../test/e2e/failures/support.js";
import { BED_POLL, managed, OperatorWorld } from "../test/e2e/operator/support.js";
import { pollUntil } from "../test/support/poll.js";
import {
  Drills,
  type Instance,
  leaderInEtcd,
  type LeaderSeen,
  standbyGroup,
  webAt,
} from "../test/e2e/ha/support.js";
import { type BenchContext, type BenchSection, ms, spread, stats } from "./harness.js";
import { testbedDown, underLock } from "./testbed-lock.js";

const RUNS = Number(process.env["GITFLEET_HA_RUNS"] ?? 10);
const RENEW_DEADLINE_MS = 3_500;

type DrillName = "kill -9" | "SIGSTOP" | "cut from etcd" | "etcd member";

interface Sample {
  /** Fault to takeover (or, for the etcd drill, the gap without an acting leader). */
  readonly ms: number;
  /** What the run checked that did not hold (empty: all held). */
  readonly failed: readonly string[];
  /** Fault to the fleet converged again (rollout completed, one replica per slot). */
  readonly convergedMs?: number;
  /** etcd drill: fault to etcd answering a linearizable read again; whether the lease's term survived. */
  readonly etcdMs?: number;
  readonly termKept?: boolean;
}

export async function prerequisites(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return "needs root (the test bed's network namespaces)";
  try {
    await access("/usr/bin/etcd");
  } catch {
    return "etcd is not installed (Debian's etcd-server)";
  }
  return testbedDown();
}

export function run(ctx: BenchContext): Promise<BenchSection> {
  return underLock(ctx, async () => {
    const samples = await drills(ctx);
    return { title: "HA takeover: standby operators on an etcd lease (issue 20)", markdown: report(samples) };
  });
}

async function drills(ctx: BenchContext): Promise<Map<DrillName, Sample[]>> {
  const out = new Map<DrillName, Sample[]>([
    ["kill -9", []],
    ["SIGSTOP", []],
    ["cut from etcd", []],
    ["etcd member", []],
  ]);
  await resetTestbed();
  let etcd: EtcdCluster | undefined;
  let world: OperatorWorld | undefined;
  let group: Instance[] = [];
  try {
    etcd = await startEtcd(3);
    world = await OperatorWorld.create({});
    await world.push({ "cluster.yaml": failureCluster(), ...failureServices() }, "ha bench");
    group = await standbyGroup(world, etcd, ["a", "b", "c"]);
    const d = new Drills(world, etcd, group);
    for (const g of group) g.start();
    await d.currentLeader();
    await d.converged();
    await d.supervise();
    const state = { version: 1 };
    const kinds: [DrillName, () => Promise<Sample>][] = [
      ["kill -9", () => killLeader(d, state)],
      ["SIGSTOP", () => stopLeader(d, state)],
      ["cut from etcd", () => cutLeader(d, state)],
      ["etcd member", () => killEtcdMember(d)],
    ];
    // Round robin: a change of load on the shared machine spreads over the drills alike.
    for (let i = 0; i < RUNS; i++) {
      for (const [name, drill] of kinds) {
        let sample: Sample;
        try {
          sample = await drill();
        } catch (err) {
          sample = { ms: NaN, failed: [err instanceof Error ? err.message : String(err)] };
          // Back to a known state: every instance up, the fleet converged.
          for (const g of group) g.resume();
          for (const g of group) g.restoreEtcd();
          const dead = etcd.members.filter(
            (m) => m.process.exitCode !== null || m.process.signalCode !== null,
          );
          await Promise.all(dead.map((m) => m.restart()));
        }
        out.get(name)?.push(sample);
        ctx.log(
          `round ${i + 1} ${name}: ${ms(sample.ms)}` +
            (sample.failed.length > 0 ? ` FAILED: ${sample.failed.join("; ")}` : "") +
            ` (load ${os.loadavg()[0]?.toFixed(1)})`,
        );
        try {
          await d.supervise();
          await d.converged(undefined, 180_000);
        } catch (err) {
          // Noted against the drill just run; the next one starts from whatever state this is.
          const why = err instanceof Error ? err.message : String(err);
          const list = out.get(name) ?? [];
          const last = list.pop();
          if (last !== undefined)
            list.push({ ...last, failed: [...last.failed, `after the drill: ${why.split("\n")[0] ?? why}`] });
          ctx.log(`after ${name}: ${why}`);
        }
      }
    }
    const seen = await d.statusEpochs();
    const back = seen.findIndex((e, i) => i > 0 && e < (seen[i - 1] ?? 0));
    if (back >= 0) out.get("kill -9")?.push({ ms: NaN, failed: [`status epochs went back at ${back}`] });
    ctx.log(`status commits: ${seen.length}, epochs ${new Set(seen).size}, never back: ${back < 0}`);
  } finally {
    for (const g of group) await g.stop().catch(() => undefined);
    // Each instance's whole log (all its restarts), for a look at what a failed run did.
    const logs = process.env["GITFLEET_HA_LOG_DIR"];
    if (logs !== undefined) {
      await mkdir(logs, { recursive: true });
      for (const g of group) await writeFile(path.join(logs, `${g.name}.log`), g.output);
    }
    // The proxies' listeners would keep this process (and the test bed lock) alive.
    for (const g of group) for (const p of g.proxies) await p.close().catch(() => undefined);
    await world?.close();
    await etcd?.stop();
    await resetTestbed();
  }
  return out;
}

/** The next web version (1 ↔ 2): every drill that needs work pushes one. */
function toggle(state: { version: number }): number {
  state.version = state.version === 1 ? 2 : 1;
  return state.version;
}

async function killLeader(d: Drills, state: { version: number }): Promise<Sample> {
  const failed: string[] = [];
  const old = await d.currentLeader();
  const version = toggle(state);
  await d.world.repo.commitAndPush(webAt(version), `web ${version}`);
  await pollUntil(
    "the rollout under way",
    async () => (await managed("web")).some((c) => c.image.endsWith(`web:${version}`)),
    { ...BED_POLL, timeoutMs: 60_000 },
  );
  const faultAt = Date.now();
  await d.byPid(old.pid).kill9();
  const { leader, ms } = await d.takeover(old, faultAt);
  await d.converged(`web:${version}`);
  const convergedMs = Date.now() - faultAt;
  const late = (await d.epochs()).filter((m) => m.created > faultAt);
  if (!late.every((m) => m.epoch === leader.epoch))
    failed.push("a container of another epoch after the fault");
  return { ms, failed, convergedMs };
}

async function stopLeader(d: Drills, state: { version: number }): Promise<Sample> {
  const failed: string[] = [];
  const old = await d.currentLeader();
  const paused = d.byPid(old.pid);
  const faultAt = Date.now();
  paused.pause();
  const { leader, ms } = await d.takeover(old, faultAt);
  // Work for the new leader while the old one wakes up: it must not take part.
  const version = toggle(state);
  await d.world.repo.commitAndPush(webAt(version), `web ${version}`);
  const resumedAt = Date.now();
  paused.resume();
  const code = await Promise.race([paused.exit, sleep(30_000).then(() => "still running")]);
  if (code !== 5) failed.push(`the woken leader did not exit 5 (${String(code)})`);
  await d.converged(`web:${version}`);
  const convergedMs = Date.now() - faultAt;
  const woke = (await d.epochs()).filter((m) => m.created >= resumedAt - 1_000 && m.epoch === old.epoch);
  if (woke.length > 0) failed.push(`the woken leader created ${woke.length} containers`);
  if ((await leaderInEtcd(d.etcd))?.pid !== leader.pid) failed.push("the new leader did not keep the lease");
  return { ms, failed, convergedMs };
}

async function cutLeader(d: Drills, state: { version: number }): Promise<Sample> {
  const failed: string[] = [];
  const old = await d.currentLeader();
  const cut = d.byPid(old.pid);
  const faultAt = Date.now();
  cut.cutEtcd();
  const { ms } = await d.takeover(old, faultAt);
  const version = toggle(state);
  await d.world.repo.commitAndPush(webAt(version), `web ${version}`);
  const code = await Promise.race([cut.exit, sleep(30_000).then(() => "still running")]);
  if (code !== 5) failed.push(`the cut-off leader did not exit 5 (${String(code)})`);
  cut.restoreEtcd();
  await d.converged(`web:${version}`);
  const convergedMs = Date.now() - faultAt;
  // It may finish a call it sent before its deadline; nothing of its epoch after that.
  const late = (await d.epochs()).filter(
    (m) => m.created > faultAt + RENEW_DEADLINE_MS + 1_000 && m.epoch === old.epoch,
  );
  if (late.length > 0) failed.push(`the cut-off leader created ${late.length} containers after its deadline`);
  return { ms, failed, convergedMs };
}

async function killEtcdMember(d: Drills): Promise<Sample> {
  const failed: string[] = [];
  const before: LeaderSeen = await d.currentLeader();
  const member = await pollUntil("etcd's Raft leader", () => raftLeader(d.etcd), {
    ...BED_POLL,
    timeoutMs: 10_000,
  });
  await pollUntil("one instance acting", async () => (await d.isLeader()).includes(1), {
    ...BED_POLL,
    timeoutMs: 10_000,
  });
  const faultAt = Date.now();
  member.kill();
  // Sample who acts every 100 ms for 10 s; etcd's answer to a read in parallel.
  let etcdMs: number | undefined;
  const etcdBack = (async () => {
    while (etcdMs === undefined && Date.now() - faultAt < 10_000) {
      if ((await leaderInEtcd(d.etcd)) !== undefined) etcdMs = Date.now() - faultAt;
      else await sleep(50);
    }
  })();
  let gap = 0;
  let gapStart: number | undefined;
  while (Date.now() - faultAt < 10_000) {
    const at = Date.now();
    const acting = (await d.isLeader()).filter((v) => v === 1).length;
    if (acting > 1) failed.push("two instances acting at once");
    if (acting === 0) gapStart ??= at;
    else if (gapStart !== undefined) {
      gap = Math.max(gap, at - gapStart);
      gapStart = undefined;
    }
    await sleep(Math.max(0, 100 - (Date.now() - at)));
  }
  if (gapStart !== undefined) {
    gap = Math.max(gap, Date.now() - gapStart);
    failed.push("no instance acting 10 s after the fault");
  }
  await etcdBack;
  const after = await d.currentLeader(10_000);
  await member.restart();
  return {
    ms: gap,
    failed,
    ...(etcdMs !== undefined ? { etcdMs } : {}),
    termKept: after.epoch === before.epoch,
  };
}

function sleep(msToWait: number): Promise<void> {
  return new Promise((r) => setTimeout(r, msToWait));
}

const REFERENCE: Record<DrillName, string> = {
  "kill -9":
    "lease_ttl 5 s: the lease outlives the leader by 4–5 s (renewed every 1 s), then a standby's next campaign (every 1 s): 4–6 s",
  SIGSTOP: "as kill -9: 4–6 s (the paused leader's lease runs out the same way)",
  "cut from etcd":
    "as kill -9: 4–6 s (the cut leader stops acting 3.5 s after its last renewal that landed, before the lease ends)",
  "etcd member":
    "0: the lease survives a Raft election (etcd's election timeout 1 s; leases are extended on a leader change)",
};

function report(samples: Map<DrillName, Sample[]>): string {
  const rows: string[] = [];
  const notes: string[] = [];
  for (const [name, list] of samples) {
    const ok = list.filter((s) => Number.isFinite(s.ms));
    const failedRuns = list.filter((s) => s.failed.length > 0);
    const st = stats(ok.map((s) => s.ms));
    const within10 = ok.filter((s) => s.ms < 10_000).length;
    const conv = list.flatMap((s) => (s.convergedMs !== undefined ? [s.convergedMs] : []));
    rows.push(
      `| ${name} | ${ok.length > 0 ? spread(st) : "–"} | ${REFERENCE[name]} | ` +
        `${within10}/${list.length} | ${list.length - failedRuns.length}/${list.length} | ` +
        `${conv.length > 0 ? spread(stats(conv)) : "–"} |`,
    );
    notes.push(`${name}: ${list.map((s) => (Number.isFinite(s.ms) ? ms(s.ms) : "failed")).join(", ")}`);
    for (const f of failedRuns) notes.push(`  - ${name} run failed: ${f.failed.join("; ")}`);
  }
  const etcd = samples.get("etcd member") ?? [];
  const etcdBack = etcd.flatMap((s) => (s.etcdMs !== undefined ? [s.etcdMs] : []));
  const kept = etcd.filter((s) => s.termKept === true).length;
  return [
    "Three `gitfleet run` instances (lease_ttl 5 s, renew_every 1 s, renew_deadline 3.5 s) on the three",
    "test bed hosts, one three-member etcd on loopback for all four drills (each instance reaches it through",
    "TCP proxies of its own, which the cut drill turns into a black hole); the e2e drills' world",
    "(`test/e2e/ha/support.ts`: web 3 replicas, api 2, host_down_after 3 s). Each round runs the four",
    "drills in turn; an instance that exited is restarted as a standby before the next one. Takeover: from",
    "the fault to etcd naming a new leader (polled every 50 ms). The etcd drill kills the member leading",
    "Raft: the operator's lease normally survives, so it is timed as the longest gap during which no",
    "instance reported `gitfleet_is_leader 1` (all scraped every 100 ms for 10 s; 0 when one kept acting).",
    "Checks per run: kill -9: the rollout under way completes, one replica per slot, nothing of another",
    "epoch after the fault; SIGSTOP: the woken leader exits 5 and creates nothing; cut: it exits 5 and",
    "creates nothing after its renew deadline; etcd: never two instances acting. Converged: fault to",
    "every slot serving the commit pushed around the fault, exactly one container each.",
    "",
    "| drill | takeover: median (min, max, runs) | reference (floor) | within 10 s | checks held | fault → converged |",
    "|---|---|---|---|---|---|",
    ...rows,
    "",
    `etcd member drill: etcd answered a linearizable read again after ${
      etcdBack.length > 0 ? spread(stats(etcdBack)) : "–"
    }; the leader's term survived in ${kept}/${etcd.length} runs.`,
    "",
    "Samples:",
    "",
    ...notes.map((n) => (n.startsWith("  ") ? n : `- ${n}`)),
    "",
    `Load average at the end: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(", ")}.`,
  ].join("\n");
}
