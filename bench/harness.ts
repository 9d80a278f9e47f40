// Shared pieces for benchmarks: the contract run-all.ts expects from a
// *.bench.ts module, timing statistics, and the machine description.
//
// A bench module exports `run` (or a default function):
//   (ctx: BenchContext) => Promise<string | BenchSection | void>
// returning a markdown section (or printing its own). It may also export
// `prerequisites(): Promise<string | undefined>` giving a reason to skip
// (e.g. "the Docker test bed is not up: run scripts/testbed.sh up"), or throw
// a BenchSkipped from `run`. Benchmarks are never timed tests.

import os from "node:os";
import v8 from "node:v8";
import vm from "node:vm";

export interface BenchContext {
  /** Progress lines go to stderr, results into the returned markdown. */
  log(line: string): void;
}

export interface BenchSection {
  readonly title: string;
  readonly markdown: string;
}

export class BenchSkipped extends Error {
  readonly code = "bench-skipped";
}

export interface Stats {
  readonly runs: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly p90: number;
}

export function stats(samples: readonly number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  const mid = s.length % 2 === 1 ? at(0.5) : ((s[s.length / 2 - 1] ?? NaN) + (s[s.length / 2] ?? NaN)) / 2;
  return { runs: s.length, median: mid, min: s[0] ?? NaN, max: s[s.length - 1] ?? NaN, p90: at(0.9) };
}

export interface Timing {
  /** Wall-clock milliseconds per run. */
  readonly wall: number[];
  /** CPU milliseconds (user + system, all threads) per run: what a busy shared machine distorts least. */
  readonly cpu: number[];
}

/** Runs fn `warmup` times unmeasured, then `runs` times, timing each run. */
export function time(fn: () => void, runs: number, warmup = 1): Timing {
  for (let i = 0; i < warmup; i++) fn();
  const out: Timing = { wall: [], cpu: [] };
  for (let i = 0; i < runs; i++) timeOnce(fn, out);
  return out;
}

export function timeOnce<T>(fn: () => T, into: Timing): T {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const result = fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  into.wall.push(wall);
  into.cpu.push((c.user + c.system) / 1000);
  return result;
}

export function ms(v: number): string {
  return v >= 100 ? `${v.toFixed(0)} ms` : v >= 10 ? `${v.toFixed(1)} ms` : `${v.toFixed(2)} ms`;
}

export function spread(s: Stats): string {
  return `${ms(s.median)} (min ${ms(s.min)}, max ${ms(s.max)}, ${s.runs} runs)`;
}

/** A table row: what, its wall time's spread, its median CPU time, the target. */
export function timingRow(what: string, t: Timing, target: string): string {
  return `| ${what} | ${spread(stats(t.wall))} | ${ms(stats(t.cpu).median)} | ${target} |`;
}

export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
}

export function thousands(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

export function loadAverage(): string {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(", ");
}

/** The machine; with its load average now unless `withLoad` is false (run-all gives it per section). */
export function machine(withLoad = true): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? "unknown cpu";
  return (
    `${model}, ${cpus.length} cores, ${(os.totalmem() / 1024 ** 3).toFixed(0)} GiB memory, ` +
    `Node ${process.version}, ${os.type()} ${os.release()}` +
    (withLoad ? `; load average at start ${loadAverage()}` : "")
  );
}

let gcFn: (() => void) | undefined;

/** Collects garbage, so heap numbers mean live data (enables V8's gc() on first use). */
export function collect(): void {
  if (gcFn === undefined) {
    v8.setFlagsFromString("--expose-gc");
    gcFn = vm.runInNewContext("gc") as () => void;
  }
  gcFn();
}
