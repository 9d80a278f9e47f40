// The edge's own cost, without Docker: a configuration rendered by src/edge on
// a local HAProxy (master-worker), three keep-alive Node HTTP replicas, all on
// loopback, the same client and report as bench/edge.bench.ts. Not part of
// `npm run bench` (the test-bed bench is the acceptance figure); kept because
// it needs no test bed and runs in about half a minute, which makes it the
// quick check when tuning the rendered HAProxy configuration, and because its
// replicas keep connections alive (busybox httpd on the test bed does not), so
// it shows what server-side connection reuse is worth.
//   npx tsx bench/edge-loopback.ts

import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { applyEdgeConfig } from "../src/adapters/edge/apply.js";
import { renderEdgeConfig } from "../src/edge/index.js";
import type { EdgeInput } from "../src/edge/types.js";
import { edgePaths, startHaproxy, targetIn } from "../test/integration/edge/haproxy-process.js";
import { freePort } from "../test/integration/edge/http-backends.js";
import { port, rep, svc } from "../test/unit/edge/fixtures.js";
import { interleave } from "./edge-load.js";
import { roundLine, summaryTable, verdict, verdictLines } from "./edge-report.js";

const ROUNDS = Number(process.env["EDGE_BENCH_ROUNDS"] ?? 6);
const ROUND_MS = Number(process.env["EDGE_BENCH_ROUND_MS"] ?? 2_000);
const CONCURRENCY = Number(process.env["EDGE_BENCH_CONCURRENCY"] ?? 16);

const REPLICAS_SCRIPT = `
const http = require("node:http");
const ports = [];
let pending = 3;
for (let i = 0; i < 3; i++) {
  const s = http.createServer((req, res) => res.end(req.url === "/health" ? "ok" : "hello from replica " + i));
  s.keepAliveTimeout = 60000;
  s.listen(0, "127.0.0.1", () => { ports[i] = s.address().port; if (--pending === 0) console.log(JSON.stringify(ports)); });
}`;

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

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), "gf-edge-bench-"));
  const replicas = await startReplicas();
  const published = await freePort("127.0.0.1");
  await applyEdgeConfig(targetIn(dir), renderEdgeConfig(edgeInput(dir, published, replicas.ports)));
  const edge = await startHaproxy(dir);
  try {
    const log = (l: string): boolean => process.stderr.write(`${l}\n`);
    const rounds = await interleave(
      {
        edge: [`http://127.0.0.1:${published}/`],
        direct: replicas.ports.map((p) => `http://127.0.0.1:${p}/`),
      },
      ROUNDS,
      ROUND_MS,
      { concurrency: CONCURRENCY, keepAlive: true, warmupMs: 1_500, onRound: (i, r) => log(roundLine(i, r)) },
    );
    const out = [
      `Loopback: local HAProxy 2.6 vs 3 Node replicas, ${CONCURRENCY} keep-alive workers, ${ROUNDS} rounds of ` +
        `${ROUND_MS / 1000} s per side.`,
      "",
      ...summaryTable(rounds),
      "",
      ...verdictLines(verdict(rounds)),
    ];
    process.stdout.write(`${out.join("\n")}\n`);
  } finally {
    await edge.stop();
    replicas.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
