// The HTTP load client of the edge benchmark, the same on both sides of the
// comparison: N workers (keep-alive or a new connection per request), each sending its next GET as soon as the
// previous answer is in, the requests spread round-robin over a list of URLs
// (one ingress URL for the edge; the replicas' published ports for direct).

import http from "node:http";

export interface LoadOptions {
  /** Parallel clients (closed loop: each has one request in flight). */
  readonly concurrency: number;
  /** Keep connections open between requests (the server may still close them) or open one per request. */
  readonly keepAlive: boolean;
  /** A request slower than this counts as an error (and ends its connection). */
  readonly timeoutMs?: number;
}

export interface Sample {
  readonly requests: number;
  readonly errors: number;
  readonly durationMs: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  /** The client's own CPU time over the wall time (1 = one core busy): near 1, the client limits both sides. */
  readonly clientCpu: number;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function get(agent: http.Agent, url: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

/** Load on `urls` for `durationMs`: throughput and latency percentiles of the successful requests. */
export async function sample(urls: readonly string[], durationMs: number, o: LoadOptions): Promise<Sample> {
  if (urls.length === 0) throw new Error("no URL to load");
  // One pool per run, sized so no worker ever waits for a socket: queueing would hide in latency.
  const agent = new http.Agent({ keepAlive: o.keepAlive, maxSockets: o.concurrency });
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const end = started + durationMs;
  const worker = async (): Promise<void> => {
    while (performance.now() < end) {
      const url = urls[next++ % urls.length] ?? "";
      const t0 = performance.now();
      try {
        await get(agent, url, o.timeoutMs ?? 5_000);
        latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  const elapsed = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    durationMs: elapsed,
    rps: latencies.length / (elapsed / 1000),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    clientCpu: (cpu.user + cpu.system) / 1000 / elapsed,
  };
}

export interface Round {
  readonly edge: Sample;
  readonly direct: Sample;
}

/**
 * Interleaved rounds on a noisy, shared machine: both sides warm up (JIT, pools,
 * ARP), then each round measures both back to back, the order swapped every round
 * (edge-direct, direct-edge, …) so a drift in background load favours neither.
 */
export async function interleave(
  sides: { readonly edge: readonly string[]; readonly direct: readonly string[] },
  rounds: number,
  roundMs: number,
  o: LoadOptions & { readonly warmupMs: number; readonly onRound?: (i: number, r: Round) => void },
): Promise<Round[]> {
  await sample(sides.edge, o.warmupMs, o);
  await sample(sides.direct, o.warmupMs, o);
  const out: Round[] = [];
  for (let i = 0; i < rounds; i++) {
    let edge: Sample;
    let direct: Sample;
    if (i % 2 === 0) {
      edge = await sample(sides.edge, roundMs, o);
      direct = await sample(sides.direct, roundMs, o);
    } else {
      direct = await sample(sides.direct, roundMs, o);
      edge = await sample(sides.edge, roundMs, o);
    }
    const r = { edge, direct };
    o.onRound?.(i, r);
    out.push(r);
  }
  return out;
}
