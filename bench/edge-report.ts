// Markdown for the edge benchmark: every round (both sides measured back to
// back), then per metric the median over rounds with its spread, and the
// ratios edge/direct taken round by round (a noisy machine shifts both sides
// of one round alike, so ratios within a round are what is compared).

import type { Round, Sample } from "./edge-load.js";
import { stats, type Stats } from "./harness.js";

/** Issue 7: edge throughput at least 80% of direct, edge p99 under 2x direct. */
export const TARGET = { rpsShare: 0.8, p99Factor: 2 } as const;

export interface Verdict {
  readonly rpsShare: Stats;
  readonly p99Factor: Stats;
  readonly met: boolean;
}

export function verdict(rounds: readonly Round[]): Verdict {
  const rpsShare = stats(rounds.map((r) => r.edge.rps / r.direct.rps));
  const p99Factor = stats(rounds.map((r) => r.edge.p99 / r.direct.p99));
  return {
    rpsShare,
    p99Factor,
    met: rpsShare.median >= TARGET.rpsShare && p99Factor.median < TARGET.p99Factor,
  };
}

const f0 = (v: number): string => v.toFixed(0);
const f2 = (v: number): string => v.toFixed(2);

function cells(s: Sample): string {
  return `${f0(s.rps)} | ${f2(s.p50)} | ${f2(s.p99)} | ${s.errors}`;
}

export function roundLine(i: number, r: Round): string {
  return (
    `round ${i + 1}: edge ${f0(r.edge.rps)} req/s p50 ${f2(r.edge.p50)} p99 ${f2(r.edge.p99)} ms; ` +
    `direct ${f0(r.direct.rps)} req/s p50 ${f2(r.direct.p50)} p99 ${f2(r.direct.p99)} ms; ` +
    `edge/direct rps ${f2(r.edge.rps / r.direct.rps)}, p99 ${f2(r.edge.p99 / r.direct.p99)}`
  );
}

function spreadOf(s: Stats, fmt: (v: number) => string): string {
  return `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
}

export function roundsTable(rounds: readonly Round[]): string[] {
  const lines = [
    "| round | edge req/s | edge p50 ms | edge p99 ms | edge errors | direct req/s | direct p50 ms | direct p99 ms | direct errors | rps edge/direct | p99 edge/direct |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  rounds.forEach((r, i) =>
    lines.push(
      `| ${i + 1} | ${cells(r.edge)} | ${cells(r.direct)} | ${f2(r.edge.rps / r.direct.rps)} | ${f2(r.edge.p99 / r.direct.p99)} |`,
    ),
  );
  return lines;
}

export function summaryTable(rounds: readonly Round[]): string[] {
  const side = (name: string, pick: (r: Round) => Sample): string => {
    const s = rounds.map(pick);
    return (
      `| ${name} | ${spreadOf(stats(s.map((x) => x.rps)), f0)} | ${spreadOf(stats(s.map((x) => x.p50)), f2)} | ` +
      `${spreadOf(stats(s.map((x) => x.p99)), f2)} | ${s.reduce((t, x) => t + x.errors, 0)} |`
    );
  };
  return [
    `| path | req/s: median (min–max over ${rounds.length} rounds) | p50 ms | p99 ms | errors (all rounds) |`,
    "|---|---:|---:|---:|---:|",
    side("through the edge", (r) => r.edge),
    side("direct to the replicas' published ports", (r) => r.direct),
    "",
    `Client CPU (median over rounds, 1.00 = one core): edge ${f2(stats(rounds.map((r) => r.edge.clientCpu)).median)}, ` +
      `direct ${f2(stats(rounds.map((r) => r.direct.clientCpu)).median)}.`,
  ];
}

export function verdictLines(v: Verdict): string[] {
  const ok = (b: boolean): string => (b ? "met" : "NOT met");
  return [
    `- throughput, edge/direct per round: median ${spreadOf(v.rpsShare, f2)} — target ≥ ${f2(TARGET.rpsShare)}: ` +
      ok(v.rpsShare.median >= TARGET.rpsShare),
    `- p99, edge/direct per round: median ${spreadOf(v.p99Factor, f2)} — target < ${f2(TARGET.p99Factor)}: ` +
      ok(v.p99Factor.median < TARGET.p99Factor),
  ];
}
