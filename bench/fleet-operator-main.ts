// The operator of the fleet-scale bench as a process of its own, so that its
// peak RSS and CPU are the operator's alone (not the bench harness's, tsx's or
// an earlier fleet size's). Started by fleet-scale.bench.ts with an IPC channel,
// from JavaScript compiled by tsc like `npm run build` (or under tsx when asked).
//
// Requests (parent → here): { id, op, ...args }; answers: { id, value } or
// { id, error }. Unasked messages (here → parent): { event: "down", at } when the
// watched "host … down" line is logged, { event: "first-pass", ms } in a change.
// Times are measured here (performance.now()), so IPC latency is not in them.

import { readdirSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { constants, PerformanceObserver } from "node:perf_hooks";
import v8 from "node:v8";
import pino from "pino";
import type { PassOutcome } from "../src/reconcile/pass-outcome.js";
import { SimFleet } from "../test/support/sim-docker/fleet.js";
import { gitCli } from "../test/support/git-fixtures.js";

export type Request =
  | {
      readonly op: "create";
      readonly endpoints: readonly string[];
      readonly services: number;
      readonly hostDownAfter: string;
    }
  /**
   * Start the operator; answers when a pass finds the fleet converged: { ms, peak, gc } (peak memory,
   * sampled; GC pauses and the process's CPU over the deploy).
   */
  | { readonly op: "deploy" }
  /** Let a pass end, then time one triggered pass: { ms, converged }. */
  | { readonly op: "no-change" }
  /** Idle for ms: { cpuPct, passes, heapUsed }. */
  | { readonly op: "idle"; readonly ms: number }
  /** Commit a new version of one service: { firstPassMs, convergedMs } (first-pass event before). */
  | { readonly op: "change"; readonly service: string; readonly version: number }
  /** Report the time a log line containing `line` is first written (event "down"). */
  | { readonly op: "watch"; readonly line: string }
  | { readonly op: "stats" }
  /**
   * The highest RSS sampled (every 100 ms) in each phase (a phase is the request that ran since the
   * last one asked): what it was made of and the operator's last log line then (PhasePeak by phase).
   */
  | { readonly op: "phase-peaks" }
  /** Write a heap snapshot into the temporary directory (for profiling); answers its file name. */
  | { readonly op: "heap-snapshot" }
  | { readonly op: "close" };

export interface Stats {
  readonly warnings: number;
  readonly warningKinds: readonly (readonly [string, number])[];
  readonly heapUsed: number;
}

/** The sample with the highest RSS in one phase (bytes; `atMs` from the phase's start). */
export interface PhasePeak {
  readonly rss: number;
  readonly heapTotal: number;
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly atMs: number;
  /** The operator's last log message before the sample. */
  readonly lastLog: string;
}

let watched: string | undefined;
/** The last message the operator logged (for phase-peaks). */
let lastLog = "";
/** Profiling: the reasons of the passes started while this is set (GITFLEET_FLEET_IDLE_REASONS=1). */
let passReasons: string[][] | undefined;
let warnings = 0;
const kinds = new Map<string, number>();
const logger = pino(
  { level: "info" },
  {
    write(line: string) {
      const m = /"msg":"((?:[^"\\]|\\.)*)"/.exec(line);
      if (m?.[1] !== undefined) lastLog = m[1];
      if (passReasons !== undefined && line.includes('"msg":"pass started"'))
        passReasons.push((JSON.parse(line) as { reasons?: string[] }).reasons ?? []);
      if (watched !== undefined && line.includes(watched)) {
        watched = undefined;
        send({ event: "down", at: Date.now() });
      }
      if (line.startsWith('{"level":40') || line.startsWith('{"level":50')) {
        warnings++;
        const msg = String((JSON.parse(line) as { msg?: unknown }).msg ?? "");
        kinds.set(msg, (kinds.get(msg) ?? 0) + 1);
      }
    },
  },
);

let fleet: SimFleet | undefined;

function send(message: unknown): void {
  process.send?.(message);
}

function theFleet(): SimFleet {
  if (fleet === undefined) throw new Error("no fleet: send create first");
  return fleet;
}

function nextPass(pred: (o: PassOutcome) => boolean = () => true): Promise<PassOutcome> {
  const op = theFleet().operator;
  return new Promise((resolve) => {
    const off = op.onPass((o) => {
      if (pred(o)) {
        off();
        resolve(o);
      }
    });
  });
}

/**
 * Profiling: with GITFLEET_FLEET_ALLOC_PROFILE=1 (or =idle), V8's sampling heap profiler over the
 * deploy (or the idle window, sampled 16 times finer), counting what was collected too (what
 * allocates, not what stays); written to the temporary directory.
 */
async function allocationProfile(phase: "deploy" | "idle"): Promise<(() => Promise<void>) | undefined> {
  const want = process.env["GITFLEET_FLEET_ALLOC_PROFILE"];
  if (want !== (phase === "deploy" ? "1" : "idle")) return undefined;
  const { Session } = await import("node:inspector");
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) =>
      session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))),
    );
  await post("HeapProfiler.enable");
  await post("HeapProfiler.startSampling", {
    samplingInterval: phase === "deploy" ? 65536 : 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  return async () => {
    const { profile } = (await post("HeapProfiler.stopSampling")) as { profile: unknown };
    const file = path.join(os.tmpdir(), `gitfleet-operator-${process.pid}-${phase}.heapprofile`);
    await writeFile(file, JSON.stringify(profile));
    process.stderr.write(`allocation profile of the ${phase}: ${file}\n`);
    session.disconnect();
  };
}

/** CPU time (ms) of each of this process's threads by name, from /proc (Linux; empty elsewhere). */
function threadTimes(): Map<string, number> {
  const out = new Map<string, number>();
  const tick = 1000 / 100; // USER_HZ
  try {
    for (const tid of readdirSync("/proc/self/task")) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const name = readFileSync(`/proc/self/task/${tid}/comm`, "utf8").trim();
      const key = `${name}#${tid}`;
      out.set(key, (Number(f[11]) + Number(f[12])) * tick);
    }
  } catch {
    // not Linux
  }
  return out;
}

/**
 * Per thread: % of a core over `wall` ms, the main thread as "main", the others by creation order
 * ("t1" is the first thread after it: V8's platform workers come first, then libuv's pool, then
 * the spec loader's worker; all are named "node").
 */
function threadShares(a: Map<string, number>, b: Map<string, number>, wall: number): Record<string, number> {
  const out: Record<string, number> = {};
  const tids = [...b.keys()].map((k) => Number(k.split("#")[1])).sort((x, y) => x - y);
  for (const [key, t] of b) {
    const d = t - (a.get(key) ?? 0);
    if (d <= 0) continue;
    const tid = Number(key.split("#")[1]);
    const k = tid === process.pid ? "main" : `t${tids.indexOf(tid)}`;
    out[k] = Math.round((d / wall) * 100 * 100) / 100;
  }
  return out;
}

/**
 * Profiling: with GITFLEET_FLEET_CPU_PROFILE=1, V8's CPU profiler over the idle window, written to
 * the temporary directory (open it in Chrome's DevTools, or sum its self times by function).
 */
async function cpuProfile(): Promise<(() => Promise<void>) | undefined> {
  if (process.env["GITFLEET_FLEET_CPU_PROFILE"] !== "1") return undefined;
  const { Session } = await import("node:inspector");
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) =>
      session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))),
    );
  await post("Profiler.enable");
  await post("Profiler.setSamplingInterval", { interval: 1000 });
  await post("Profiler.start");
  return async () => {
    const { profile } = (await post("Profiler.stop")) as { profile: unknown };
    const file = path.join(os.tmpdir(), `gitfleet-operator-${process.pid}-idle.cpuprofile`);
    await writeFile(file, JSON.stringify(profile));
    process.stderr.write(`CPU profile of the idle window: ${file}\n`);
    session.disconnect();
  };
}

/** perf_hooks' GC kinds by their constant. */
const GC_KINDS: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: "scavenge",
  [constants.NODE_PERFORMANCE_GC_MAJOR]: "mark-compact",
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental",
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: "weak-callbacks",
};

/** The current phase (the last request, bar the ones that only ask) and its peak so far. */
let phase = "start";
let phaseT0 = performance.now();
const phasePeaks = new Map<string, PhasePeak>();
/**
 * Every 100 ms, but every second in the idle window: that window measures the operator's CPU, and
 * ten wake-ups a second of this sampler were part of it (about 0.1 % of a core at 300 hosts). The
 * phase's peak itself is VmHWM's, exact either way.
 */
const sampleRss = (): void => {
  setTimeout(sampleRss, phase === "idle" ? 1_000 : 100).unref();
  // rss() alone is cheap (one read of /proc/self/statm); the breakdown only for a new high.
  const rss = process.memoryUsage.rss();
  if (rss <= (phasePeaks.get(phase)?.rss ?? 0)) return;
  const { heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
  const atMs = Math.round(performance.now() - phaseT0);
  phasePeaks.set(phase, { rss, heapTotal, heapUsed, external, arrayBuffers, atMs, lastLog });
};
sampleRss();

/**
 * Profiling: with GITFLEET_FLEET_PASS_CPU=1, each pass's own CPU (the process's, so beats that
 * answer meanwhile and the collections the pass sets off are in it) and wall time, with the phase
 * it ran in, on stderr: what a poll's pass in the idle window costs beside the no-change passes.
 */
function timePasses(f: SimFleet): void {
  const r = f.operator.reconciler;
  const pass = r.pass.bind(r);
  r.pass = async (signal) => {
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    try {
      return await pass(signal);
    } finally {
      const c = process.cpuUsage(cpu);
      const ms = (x: number): string => x.toFixed(1);
      process.stderr.write(
        `pass in ${phase}: CPU ${ms((c.user + c.system) / 1000)} ms, wall ${ms(performance.now() - t0)} ms\n`,
      );
    }
  };
}

async function handle(r: Request): Promise<unknown> {
  if (r.op !== "stats" && r.op !== "phase-peaks" && r.op !== "heap-snapshot") {
    // The failover phase starts with watching for the host's down line.
    phase = r.op === "watch" ? "failover" : r.op;
    phaseT0 = performance.now();
  }
  switch (r.op) {
    case "create":
      fleet = await SimFleet.create({
        endpoints: r.endpoints,
        services: r.services,
        replicasPerService: r.endpoints.length,
        hostDownAfter: r.hostDownAfter,
        // For comparison only: the operator's heap_target ("0": off); unset, its default.
        ...(process.env["GITFLEET_FLEET_HEAP_TARGET"] !== undefined
          ? { heapTarget: process.env["GITFLEET_FLEET_HEAP_TARGET"] }
          : {}),
        // For comparison only: the operator's `tasks:` as YAML flow ("{total: 512}"); unset, its defaults.
        ...(process.env["GITFLEET_FLEET_TASKS"] !== undefined
          ? { tasks: process.env["GITFLEET_FLEET_TASKS"] }
          : {}),
        logger,
      });
      if (process.env["GITFLEET_FLEET_PASS_CPU"] === "1") timePasses(fleet);
      return null;
    case "deploy": {
      const t0 = performance.now();
      // What the peak is made of: the JS heap (V8's, and the buffers outside it) or the rest.
      const peak = { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
      // Profiling: GITFLEET_FLEET_HEAP_SNAPSHOT=at:MiB writes one snapshot when the heap in use first passes MiB.
      let snapshotAt = Number(
        /^at:(\d+)$/.exec(process.env["GITFLEET_FLEET_HEAP_SNAPSHOT"] ?? "")?.[1] ?? NaN,
      );
      // =after:ms writes it that long into the deploy instead.
      let snapshotAfter = Number(
        /^after:(\d+)$/.exec(process.env["GITFLEET_FLEET_HEAP_SNAPSHOT"] ?? "")?.[1] ?? Infinity,
      );
      const sampler = setInterval(() => {
        const m = process.memoryUsage();
        for (const k of Object.keys(peak) as (keyof typeof peak)[]) peak[k] = Math.max(peak[k], m[k]);
        if (m.heapUsed > snapshotAt * 2 ** 20 || performance.now() - t0 > snapshotAfter) {
          snapshotAfter = Infinity;
          snapshotAt = NaN;
          const file = path.join(os.tmpdir(), `gitfleet-operator-${process.pid}-deploying.heapsnapshot`);
          process.stderr.write(`heap snapshot while deploying: ${v8.writeHeapSnapshot(file)}\n`);
        }
      }, 250);
      // What collecting cost while deploying: pauses (all kinds, and mark-compacts) and the process's CPU.
      const gc = { ms: 0, count: 0, majorMs: 0, majors: 0, cpuMs: 0 };
      const gcs = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          gc.ms += e.duration;
          gc.count++;
          if ((e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
            gc.majorMs += e.duration;
            gc.majors++;
            // Profiling: the heap in use just after each full collection (what was alive), over time.
            if (process.env["GITFLEET_FLEET_ALIVE"] === "1")
              process.stderr.write(
                `alive after mark-compact at ${Math.round(performance.now() - t0)} ms: ${Math.round(process.memoryUsage().heapUsed / 2 ** 20)} MiB\n`,
              );
          }
        }
      });
      gcs.observe({ entryTypes: ["gc"] });
      const cpu0 = process.cpuUsage();
      const converged = nextPass((o) => o.converged);
      const profile = await allocationProfile("deploy");
      await theFleet().operator.start();
      await converged;
      clearInterval(sampler);
      const cpu = process.cpuUsage(cpu0);
      gc.cpuMs = (cpu.user + cpu.system) / 1000;
      gcs.disconnect();
      await profile?.();
      return { ms: performance.now() - t0, peak, gc };
    }
    case "no-change": {
      const op = theFleet().operator;
      // Not waiting for a poll (its default is a minute). A pass just ended, so the timed one runs alone.
      const settled = nextPass();
      op.markDue("bench: settle");
      await settled;
      const done = nextPass();
      const s = performance.now();
      op.markDue("bench: no change");
      const o = await done;
      return { ms: performance.now() - s, converged: o.converged };
    }
    case "idle": {
      let passes = 0;
      const off = theFleet().operator.onPass(() => passes++);
      const profile = (await cpuProfile()) ?? (await allocationProfile("idle"));
      // Profiling only: debug lines are logged in the window then, which costs CPU of its own.
      const why = process.env["GITFLEET_FLEET_IDLE_REASONS"] === "1";
      if (why) {
        passReasons = [];
        logger.level = "debug";
      }
      // The collector in the window, by kind (pauses on the main thread; V8's helpers mark beside it).
      const gcKinds: Record<string, { n: number; ms: number }> = {};
      const gcs = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          const kind = GC_KINDS[(e as { detail?: { kind?: number } }).detail?.kind ?? 0] ?? "other";
          const k = (gcKinds[kind] ??= { n: 0, ms: 0 });
          k.n++;
          k.ms += e.duration;
        }
      });
      gcs.observe({ entryTypes: ["gc"] });
      // Profiling only: V8's own line per collection (kind, sizes, reason) on stdout, in the window.
      const traceGc = process.env["GITFLEET_FLEET_TRACE_GC"] === "1";
      if (traceGc) v8.setFlagsFromString("--trace-gc");
      const t0 = threadTimes();
      const c0 = process.cpuUsage();
      const w0 = performance.now();
      // Profiling only: the process's CPU second by second (where the window's time goes: beats, the poll, GC).
      const seconds: number[] = [];
      let last = process.cpuUsage();
      const sampler =
        process.env["GITFLEET_FLEET_IDLE_SECONDS"] === "1"
          ? setInterval(() => {
              const d = process.cpuUsage(last);
              last = process.cpuUsage();
              seconds.push(Math.round((d.user + d.system) / 100) / 10);
            }, 1000)
          : undefined;
      await new Promise((res) => setTimeout(res, r.ms));
      clearInterval(sampler);
      if (sampler !== undefined)
        process.stderr.write(`CPU ms by second from ${Math.round(w0)} ms: ${seconds.join(" ")}\n`);
      const c = process.cpuUsage(c0);
      const wall = performance.now() - w0;
      off();
      gcs.disconnect();
      if (traceGc) v8.setFlagsFromString("--no-trace-gc");
      process.stderr.write(`GC in the idle window: ${JSON.stringify(gcKinds)}\n`);
      const threads = threadShares(t0, threadTimes(), wall);
      await profile?.();
      if (why) {
        logger.level = "info";
        process.stderr.write(`passes in the idle window, by reasons: ${JSON.stringify(passReasons)}\n`);
        passReasons = undefined;
      }
      const cpuPct = ((c.user + c.system) / 1000 / wall) * 100;
      process.stderr.write(
        `idle CPU: user ${((c.user / 1000 / wall) * 100).toFixed(2)} %, system ${((c.system / 1000 / wall) * 100).toFixed(2)} %\n`,
      );
      return { cpuPct, passes, heapUsed: process.memoryUsage().heapUsed, threads };
    }
    case "change": {
      const f = theFleet();
      await f.changeService(r.service, r.version);
      const commit = (await gitCli(f.repo, ["rev-parse", "HEAD"])).trim();
      const firstPass = nextPass((o) => o.snapshot?.desired?.commit === commit);
      const changeDone = nextPass((o) => o.converged && o.snapshot?.desired?.commit === commit);
      const s = performance.now();
      f.operator.markDue("bench: commit (as the webhook would)");
      await firstPass;
      const firstPassMs = performance.now() - s;
      send({ event: "first-pass", ms: firstPassMs });
      await changeDone;
      return { firstPassMs, convergedMs: performance.now() - s };
    }
    case "watch":
      watched = r.line;
      return null;
    case "stats":
      return {
        warnings,
        warningKinds: [...kinds].sort((a, b) => b[1] - a[1]).slice(0, 3),
        heapUsed: process.memoryUsage().heapUsed,
      } satisfies Stats;
    case "phase-peaks":
      return Object.fromEntries(phasePeaks);
    case "heap-snapshot":
      return v8.writeHeapSnapshot(path.join(os.tmpdir(), `gitfleet-operator-${process.pid}.heapsnapshot`));
    case "close":
      await fleet?.close();
      fleet = undefined;
      setImmediate(() => process.exit(0));
      return null;
  }
}

process.on("message", (m: Request & { readonly id: number }) => {
  handle(m).then(
    (value) => send({ id: m.id, value }),
    (err: unknown) => send({ id: m.id, error: err instanceof Error ? err.message : String(err) }),
  );
});
send({ event: "ready" });
