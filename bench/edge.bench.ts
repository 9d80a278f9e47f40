// Edge benchmark (issue 7) on the three-host Docker test bed: requests per
// second and p50/p99 latency through the edge versus straight to the replicas'
// published ports, in the same run, with the same client. The real operator
// deploys web (3 replicas, one per host, ingress 8080) from a real Git server;
// the edge side sends every request to h1's ingress port, whose HAProxy
// balances over the replicas on h1, h2 and h3; the direct side sends the same
// requests round-robin to those same three replicas' published host ports, so
// both sides reach the same three backends and differ only by the edge hop.
// Holds /run/gitfleet-e2e.lock for the whole run (GITFLEET_BENCH_LOCK_HELD=1
// when the caller holds it already); brings the test bed up if it is down.
//   npm run bench -- edge                    (updates only this section of RESULTS.md)
//   npx tsx bench/edge.bench.ts              (prints the section)
// For the edge's own cost without Docker (a local HAProxy, Node replicas): bench/edge-loopback.ts.

import { pathToFileURL } from "node:url";
import { interleave, type LoadOptions } from "./edge-load.js";
import { roundLine, roundsTable, summaryTable, verdict, verdictLines } from "./edge-report.js";
import { deployWeb, withTestbed } from "./edge-testbed.js";
import type { BenchContext, BenchSection } from "./harness.js";

const ROUNDS = Number(process.env["EDGE_BENCH_ROUNDS"] ?? 8);
const ROUND_MS = Number(process.env["EDGE_BENCH_ROUND_MS"] ?? 3_000);
const WARMUP_MS = 3_000;
const CONCURRENCY = Number(process.env["EDGE_BENCH_CONCURRENCY"] ?? 16);
/** A static file: the cheapest answer busybox httpd gives, so the proxy's share shows most. */
const PATH = "";

/**
 * busybox httpd closes every connection, so the direct side always pays a TCP
 * handshake per request; the edge keeps a client's connection open and pays its
 * handshakes on the backend side instead. Both client behaviours are measured:
 * keep-alive (browsers, most HTTP clients) and one connection per request (the
 * edge's worst case: an extra accept and connect on every request).
 */
const MODES = [
  { name: "keep-alive clients", load: { concurrency: CONCURRENCY, keepAlive: true } },
  { name: "a new connection per request", load: { concurrency: CONCURRENCY, keepAlive: false } },
] as const satisfies readonly { name: string; load: LoadOptions }[];

export async function prerequisites(): Promise<string | undefined> {
  return process.getuid?.() === 0 ? undefined : "needs root (the test bed's network namespaces)";
}

async function measure(ctx: BenchContext, sides: { edge: string[]; direct: string[] }): Promise<string[]> {
  const out: string[] = [];
  const verdicts: string[] = [];
  for (const mode of MODES) {
    ctx.log(`${mode.name}:`);
    const rounds = await interleave(sides, ROUNDS, ROUND_MS, {
      ...mode.load,
      warmupMs: WARMUP_MS,
      onRound: (i, r) => ctx.log(`  ${roundLine(i, r)}`),
    });
    const v = verdict(rounds);
    for (const l of verdictLines(v)) ctx.log(`  ${l}`);
    verdicts.push(`${mode.name}: ${v.met ? "met" : "NOT met"}`);
    out.push(
      `### ${mode.name[0]?.toUpperCase()}${mode.name.slice(1)}`,
      "",
      ...summaryTable(rounds),
      "",
      ...verdictLines(v),
      "",
      "<details><summary>Every round</summary>",
      "",
      ...roundsTable(rounds),
      "",
      "</details>",
      "",
    );
  }
  return [`Targets (edge throughput ≥ 80% of direct, p99 < 2x direct): ${verdicts.join("; ")}.`, "", ...out];
}

export async function run(ctx: BenchContext): Promise<BenchSection> {
  return withTestbed(ctx, async () => {
    const world = await deployWeb(ctx);
    try {
      const edge = [world.ingress[0] ?? ""].map((u) => u + PATH);
      const direct = [...world.replicas]
        .sort((a, b) => a.host.localeCompare(b.host))
        .map((r) => r.url + PATH);
      ctx.log(`edge ${edge.join(" ")}; direct ${direct.join(" ")}`);
      const results = await measure(ctx, { edge, direct });
      return {
        title: "Edge: through a host's ingress port vs straight to the replicas",
        markdown: [
          "Three test-bed hosts, web (busybox httpd, static `/`) deployed by the operator from a Git server: 3 replicas,",
          "one per host, published in ingress mode on 8080. Edge: every request to h1's ingress port",
          `(${edge.join("")}), whose HAProxy (gitfleet/haproxy:2.6, configuration rendered by src/edge) balances over`,
          "the replicas on h1, h2 and h3. Direct: the same requests round-robin to those three replicas' published",
          `host ports. Same Node client on both sides, ${CONCURRENCY} workers in a closed loop; per client behaviour,`,
          `${ROUNDS} rounds of ${ROUND_MS / 1000} s per side after a ${WARMUP_MS / 1000} s warm-up each, measured back to back, order`,
          "swapped every round; the ratios are taken within each round. Client, proxies and replicas share the",
          "machine's 2 cores: the ratios are what counts, not the absolute figures. busybox httpd closes every",
          "connection, so direct requests always pay a handshake with the replica; keep-alive clients keep their",
          "connection to the edge, which pays that handshake on the backend side instead (hence edge ≈ direct);",
          "with a new connection per request the edge pays an extra accept and connect on every request.",
          "",
          ...results,
        ].join("\n"),
      };
    } finally {
      await world.close();
    }
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const ctx: BenchContext = { log: (line) => process.stderr.write(`${line}\n`) };
  run(ctx).then(
    (s) => process.stdout.write(`## ${s.title}\n\n${s.markdown}\n`),
    (err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exit(1);
    },
  );
}
