// Edge benchmark: requests per second and p50/p99 latency through the edge
// (a rendered configuration on a real HAProxy, master-worker) versus straight
// to a replica's published port, in the same run, with the same client.
// Replicas are plain Node HTTP servers in a child process; all on loopback.
// Run alone: npx tsx bench/edge.bench.ts
//
// On the Docker test bed: GITFLEET_EDGE_BENCH=1 with test/e2e/edge runs
// runOnUrls() against the deployed web service; or, with a service deployed
// by hand, compare a host's ingress port with a replica's published port:
//   EDGE_BENCH_EDGE_URL=http://10.231.0.11:8080/ EDGE_BENCH_DIRECT_URL=http://10.231.0.12:32771/ \
//     flock /run/gitfleet-e2e.lock npx tsx bench/edge.bench.ts

import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { applyEdgeConfig } from "../src/adapters/edge/apply.js";
import { renderEdgeConfig } from "../src/edge/index.js";
import type { EdgeInput } from "../src/edge/types.js";
import { port, rep, svc } from "../test/unit/edge/fixtures.js";
import { edgePaths, startHaproxy, targetIn } from "../test/integration/edge/haproxy-process.js";
import { freePort } from "../test/integration/edge/http-backends.js";

const ROUND_MS = Number(process.env.EDGE_BENCH_ROUND_MS ?? 1000);
const ROUNDS = Number(process.env.EDGE_BENCH_ROUNDS ?? 5);
const WARMUP_MS = 1500;
const CONCURRENCY = Number(process.env.EDGE_BENCH_CONCURRENCY ?? 16);

const REPLICAS_SCRIPT = `
const http = require("node:http");
const ports = [];
let pending = 3;
for (let i = 0; i < 3; i++) {
  const s = http.createServer((req, res) => res.end(req.url === "/health" ? "ok" : "hello from replica " + i));
  s.keepAliveTimeout = 60000;
  s.listen(0, "127.0.0.1", () => { ports[i] = s.address().port; if (--pending === 0) console.log(JSON.stringify(ports)); });
}`;

interface Sample {
  readonly latencies: number[];
  readonly durationMs: number;
  readonly errors: number;
}

interface Measure {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function request(agent: http.Agent, url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        res.resume();
        res.on("end", () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`)),
        );
      })
      .on("error", reject);
  });
}

/** CONCURRENCY keep-alive clients, each sending the next request when the previous answer is in. */
async function sample(url: string, durationMs: number): Promise<Sample> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + durationMs;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const t0 = performance.now();
      try {
        await request(agent, url);
        latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  agent.destroy();
  return { latencies, durationMs, errors };
}

function summarise(samples: readonly Sample[]): Measure {
  const all = samples.flatMap((s) => s.latencies).sort((a, b) => a - b);
  const ms = samples.reduce((t, s) => t + s.durationMs, 0);
  const errors = samples.reduce((t, s) => t + s.errors, 0);
  return { rps: all.length / (ms / 1000), p50: percentile(all, 50), p99: percentile(all, 99), errors };
}

/**
 * The machine is shared and noisy: warm both paths up (JIT, connection pools), then
 * alternate short rounds so both see the same background load, and pool the rounds.
 */
async function compare(direct: string, edge: string): Promise<{ direct: Measure; edge: Measure }> {
  await sample(direct, WARMUP_MS);
  await sample(edge, WARMUP_MS);
  const d: Sample[] = [];
  const e: Sample[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    d.push(await sample(direct, ROUND_MS));
    e.push(await sample(edge, ROUND_MS));
  }
  return { direct: summarise(d), edge: summarise(e) };
}

async function startReplicas(): Promise<{ ports: number[]; stop: () => void }> {
  const child = spawn(process.execPath, ["-e", REPLICAS_SCRIPT], { stdio: ["ignore", "pipe", "inherit"] });
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout.once("data", (c: Buffer) => resolve(c.toString()));
    child.once("exit", () => reject(new Error("replica process exited")));
  });
  return { ports: JSON.parse(line) as number[], stop: () => child.kill("SIGTERM") };
}

function edgeInput(dir: string, published: number, replicaPorts: readonly number[]): EdgeInput {
  const api = svc("api", [port(8080, { published, appProtocol: "http" })]);
  return {
    cluster: "bench",
    host: { name: "h1", address: "127.0.0.1" },
    hosts: [{ name: "h1", address: "127.0.0.1" }],
    services: [api],
    replicas: replicaPorts.map((p, i) => rep(api, String(i + 1), "h1", p)),
    // Discovery listens on the target port; bench only the ingress path, on a second loopback address.
    options: {
      ingressBind: "127.0.0.1",
      discoveryBind: "127.0.0.3",
      statsSocket: edgePaths(dir).statsSocket,
    },
  };
}

function row(name: string, m: Measure): string {
  return `| ${name} | ${m.rps.toFixed(0)} | ${m.p50.toFixed(2)} | ${m.p99.toFixed(2)} | ${m.errors} |`;
}

/** Two given URLs (the test bed's edge and one replica), instead of a local HAProxy. */
export async function runOnUrls(edgeUrl: string, directUrl: string): Promise<string> {
  const m = await compare(directUrl, edgeUrl);
  return [
    "## Edge on the test bed: through the host's edge container vs straight to a replica",
    "",
    `${CONCURRENCY} keep-alive clients, ${ROUNDS} alternating rounds of ${ROUND_MS / 1000} s per path; ` +
      `edge ${edgeUrl} (round-robin over the replicas of all hosts), direct ${directUrl}.`,
    "",
    "| path | requests/s | p50 ms | p99 ms | errors |",
    "|---|---:|---:|---:|---:|",
    row("direct to a replica's published port", m.direct),
    row("through the edge", m.edge),
    "",
    `- edge: ${((100 * m.edge.rps) / m.direct.rps).toFixed(0)}% of direct throughput, ` +
      `p99 ${(m.edge.p99 / m.direct.p99).toFixed(2)}x direct`,
    "",
  ].join("\n");
}

export async function run(): Promise<string> {
  const edgeUrl = process.env.EDGE_BENCH_EDGE_URL;
  const directUrl = process.env.EDGE_BENCH_DIRECT_URL;
  if (edgeUrl !== undefined && directUrl !== undefined) return runOnUrls(edgeUrl, directUrl);
  const dir = await mkdtemp(path.join(tmpdir(), "gf-edge-bench-"));
  const replicas = await startReplicas();
  const published = await freePort("127.0.0.1");
  const target = targetIn(dir);
  const first = replicas.ports[0] ?? 0;
  await applyEdgeConfig(target, renderEdgeConfig(edgeInput(dir, published, [first])));
  const edge = await startHaproxy(dir);
  try {
    const url = (p: number): string => `http://127.0.0.1:${p}/`;
    const one = await compare(url(first), url(published));
    await applyEdgeConfig(target, renderEdgeConfig(edgeInput(dir, published, replicas.ports)));
    const three = await compare(url(first), url(published));
    const verdict = (m: Measure, direct: Measure): string => {
      const share = (100 * m.rps) / direct.rps;
      const tail = m.p99 / direct.p99;
      const ok = share >= 80 && tail < 2 ? "meets" : "misses";
      return `${share.toFixed(0)}% of direct throughput, p99 ${tail.toFixed(2)}x direct: ${ok} the target (>= 80%, < 2x)`;
    };
    return [
      "## Edge: through HAProxy vs straight to a replica",
      "",
      `HAProxy 2.6 (master-worker, rendered configuration), Node HTTP replicas, ${CONCURRENCY} keep-alive clients, ` +
        `${ROUNDS} alternating rounds of ${ROUND_MS / 1000} s per path after a warm-up, all on loopback of one machine ` +
        "(client, proxy and replicas share its cores, so this measures the edge's cost, not a ceiling).",
      "",
      "| path | requests/s | p50 ms | p99 ms | errors |",
      "|---|---:|---:|---:|---:|",
      row("direct to a replica's published port", one.direct),
      row("through the edge to that same replica", one.edge),
      row("direct to a replica's published port (second run)", three.direct),
      row("through the edge, 3 replicas round-robin", three.edge),
      "",
      `- edge, same replica: ${verdict(one.edge, one.direct)}`,
      `- edge, 3 replicas: ${verdict(three.edge, three.direct)}`,
      "",
    ].join("\n");
  } finally {
    await edge.stop();
    replicas.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  run().then(
    (md) => process.stdout.write(`${md}\n`),
    (err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exit(1);
    },
  );
}
