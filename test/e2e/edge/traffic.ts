// HTTP clients for the edge acceptance: single requests, a spread count, and
// a steady request stream that records failures while the fleet changes.

import { request, Agent } from "node:http";

export interface Answer {
  readonly status: number;
  readonly body: string;
}

export function get(url: string, agent?: Agent, timeoutMs = 3_000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: agent ?? false, timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    // Whether the request went out on a kept-alive connection: only then may a client retry it.
    req.on("error", (err) => reject(Object.assign(err, { reused: req.reusedSocket })));
    req.end();
  });
}

export interface StreamReport {
  readonly ok: number;
  /** Requests that failed even after the one retry a browser makes on a reused idle connection. */
  readonly failed: number;
  /** First attempts that failed and succeeded on retry (reused keep-alive connection closed by a reload). */
  readonly retried: number;
  /** When each failed request was sent (startedAt) and when it was given up (at: after the client's 3 s timeout for a lost answer). */
  readonly failures: readonly { readonly startedAt: number; readonly at: number; readonly error: string }[];
  readonly bodies: ReadonlyMap<string, number>;
  /** Successful requests that took longer than 500 ms: when each started, and how long it took. */
  readonly slow: readonly { readonly at: number; readonly ms: number }[];
}

/** Sequential GETs over keep-alive until stop() is called. */
export function steadyStream(url: string): { stop: () => Promise<StreamReport> } {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let running = true;
  let ok = 0;
  let retried = 0;
  const failures: { startedAt: number; at: number; error: string }[] = [];
  const slow: { at: number; ms: number }[] = [];
  const bodies = new Map<string, number>();
  const attempt = async (): Promise<Answer> => {
    const a = await get(url, agent);
    if (a.status !== 200) throw new Error(`HTTP ${a.status}`);
    return a;
  };
  const loop = (async () => {
    while (running) {
      let answer: Answer | undefined;
      const started = Date.now();
      try {
        answer = await attempt();
      } catch (first) {
        // Like browsers: retry once only when a reused idle connection was closed under the request.
        const reused = (first as { reused?: boolean }).reused === true;
        try {
          if (!reused) throw first;
          answer = await attempt();
          retried++;
        } catch (err) {
          failures.push({
            startedAt: started,
            at: Date.now(),
            error: err instanceof Error ? err.message : String(err),
          });
        }
      }
      if (answer !== undefined) {
        const ms = Date.now() - started;
        if (ms > 500) slow.push({ at: started, ms });
        ok++;
        bodies.set(answer.body, (bodies.get(answer.body) ?? 0) + 1);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      agent.destroy();
      return { ok, failed: failures.length, retried, failures, bodies, slow };
    },
  };
}
