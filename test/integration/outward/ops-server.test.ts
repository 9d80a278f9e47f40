// The metrics and probe listener over real HTTP, its output checked by
// Prometheus' own `promtool check metrics` (Debian package prometheus).

import { execFile } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { GitfleetMetrics } from "../../../src/adapters/http/metrics-registry.js";
import { OpsServer } from "../../../src/adapters/http/ops-server.js";
import type { MetricsSample } from "../../../src/report/metrics.js";
import { MetricsReporter } from "../../../src/report/metrics-reporter.js";
import type { PassReport } from "../../../src/report/pass-report.js";
import type { SourceSnapshot } from "../../../src/ports/index.js";

const SAMPLE: MetricsSample = {
  cluster: { cluster: "prod", sync: "Degraded", commit: "0123456789abcdef0123456789abcdef01234567" },
  services: [
    {
      service: "web",
      sync: "Synced",
      health: "Healthy",
      commit: "0123456789ab",
      desired: 3,
      running: 3,
      healthy: 3,
    },
    { service: "api", sync: "OutOfSync", health: "Degraded", commit: "", desired: 2, running: 1, healthy: 1 },
  ],
  hosts: new Map([
    ["h1", true],
    ["h2", false],
  ]),
  gitUp: true,
  lastApplyTimestamp: 1_700_000_000.5,
  rollouts: [
    { service: "web", result: "succeeded" },
    { service: "api", result: "rolled_back" },
  ],
  gitFetchFailures: 2,
  commitsRejected: [{ reason: "invalid" }],
  stageSeconds: [
    { stage: "pass", seconds: 1.2 },
    { stage: "execute", seconds: 1.1 },
  ],
  failoverSeconds: [6.5],
};

function promtool(args: string[], input: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = execFile("promtool", args, (err, stdout, stderr) =>
      resolve({ code: err === null ? 0 : ((err as { code?: number }).code ?? 1), out: stdout + stderr }),
    );
    child.stdin?.end(input);
  });
}

let server: OpsServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function start(
  o: { live?: boolean; ready?: boolean; fresh?: boolean } = {},
): Promise<{ base: string; metrics: GitfleetMetrics }> {
  const metrics = new GitfleetMetrics();
  if (o.fresh !== true) metrics.apply(SAMPLE);
  server = new OpsServer({
    metrics: () => metrics.exposition(),
    live: () => ({ ok: o.live ?? true, reason: "the reconcile loop turns" }),
    ready: () => ({
      ok: o.ready ?? true,
      reason: o.ready === false ? "Git has not answered for 301s" : "fine",
    }),
  });
  const at = await server.start();
  expect(at.host).toBe("127.0.0.1");
  return { base: `http://127.0.0.1:${at.port}`, metrics };
}

describe("the operations listener", () => {
  it("serves /metrics that promtool accepts, with gitfleet's series and Node's process metrics", async () => {
    const { base } = await start();
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    const lint = await promtool(["check", "metrics"], text);
    expect(lint.out).toBe("");
    expect(lint.code).toBe(0);
    expect(text).toContain(
      'gitfleet_service_info{service="api",sync_status="OutOfSync",health_status="Degraded",commit=""} 1',
    );
    expect(text).toContain('gitfleet_host_up{host="h2"} 0');
    expect(text).toContain('gitfleet_rollouts_total{service="api",result="rolled_back"} 1');
    expect(text).toContain("gitfleet_git_fetch_failures_total 2");
    expect(text).toContain('gitfleet_commit_rejected_total{reason="invalid"} 1');
    expect(text).toContain('gitfleet_reconcile_duration_seconds_count{stage="pass"} 1');
    expect(text).toContain("gitfleet_failover_seconds_sum 6.5");
    expect(text).toContain("gitfleet_last_apply_timestamp_seconds 1700000000.5");
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });

  it("drops the series of a service and a host that are gone", async () => {
    const { base, metrics } = await start();
    metrics.apply({
      ...SAMPLE,
      services: SAMPLE.services.slice(0, 1),
      hosts: new Map([["h1", true]]),
      rollouts: [],
      gitFetchFailures: 0,
      commitsRejected: [],
      stageSeconds: [],
      failoverSeconds: [],
    });
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).not.toContain('service="api",sync_status');
    expect(text).not.toContain('gitfleet_service_replicas_desired{service="api"}');
    expect(text).not.toContain('host="h2"');
    // Counters keep what they counted.
    expect(text).toContain('gitfleet_rollouts_total{service="api",result="rolled_back"} 1');
  });

  it("says the suspend switch while this instance acts: 1/0, and no gitfleet_suspended while unknown", async () => {
    const { base, metrics } = await start();
    const scrape = async () => {
      const text = await (await fetch(`${base}/metrics`)).text();
      const lint = await promtool(["check", "metrics"], text);
      expect(lint.out).toBe("");
      expect(lint.code).toBe(0);
      return text.split("\n").filter((l) => /^gitfleet_suspen/.test(l));
    };
    let leading = false;
    metrics.leadership(() => leading);
    metrics.apply({ ...SAMPLE, suspended: "suspended" });
    expect(await scrape()).toEqual([]); // a standby: it does not poll, its reading would go stale
    leading = true;
    expect(await scrape()).toEqual(["gitfleet_suspended 1", "gitfleet_suspend_switch_up 1"]);
    metrics.apply({ ...SAMPLE, suspended: "unknown" });
    expect(await scrape()).toEqual(["gitfleet_suspend_switch_up 0"]);
    metrics.apply({ ...SAMPLE, suspended: "not-suspended" });
    expect(await scrape()).toEqual(["gitfleet_suspended 0", "gitfleet_suspend_switch_up 1"]);
    metrics.apply(SAMPLE); // a pass that did not poll (no snapshot): the last reading stays
    expect(await scrape()).toEqual(["gitfleet_suspended 0", "gitfleet_suspend_switch_up 1"]);
  });

  it("has no gitfleet_git_up (nor last apply) before the first poll, and the poll's answer after it", async () => {
    const { base, metrics } = await start({ fresh: true });
    const scrape = async () => {
      const text = await (await fetch(`${base}/metrics`)).text();
      const lint = await promtool(["check", "metrics"], text);
      expect(lint.out).toBe("");
      expect(lint.code).toBe(0);
      expect(text).toContain("# TYPE gitfleet_git_up gauge"); // declared, for rules and dashboards
      return text.split("\n").filter((l) => /^gitfleet_(git_up|last_apply_timestamp_seconds) /.test(l));
    };
    // A restarted operator: a 0 here would read as "Git down" to an alert or a dashboard.
    expect(await scrape()).toEqual([]);
    const reporter = new MetricsReporter((s) => metrics.apply(s));
    const pass = (snapshot?: SourceSnapshot): PassReport => ({
      at: Date.now(),
      stagesMs: { pass: 5 },
      ...(snapshot !== undefined ? { snapshot } : {}),
      rollouts: [],
    });
    reporter.passed(pass()); // a pass that did not poll (a standby's): still no reading
    expect(await scrape()).toEqual([]);
    const polled = { rewritten: false, changed: false };
    reporter.passed(pass({ ...polled, outage: { since: Date.now(), error: "ECONNREFUSED", attempts: 1 } }));
    expect(await scrape()).toEqual(["gitfleet_git_up 0"]);
    reporter.passed(pass(polled));
    expect(await scrape()).toEqual(["gitfleet_git_up 1"]);
    reporter.passed(pass()); // the last reading stays
    expect(await scrape()).toEqual(["gitfleet_git_up 1"]);
  });

  it("answers the probes 200 or 503 with the reason, and refuses what is not a GET", async () => {
    const { base } = await start({ ready: false });
    const live = await fetch(`${base}/healthz`);
    expect(live.status).toBe(200);
    expect(await live.text()).toBe("ok: the reconcile loop turns\n");
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.text()).toBe("not ok: Git has not answered for 301s\n");
    expect((await fetch(`${base}/metrics`, { method: "POST", body: "x" })).status).toBe(405);
    expect((await fetch(`${base}/webhook`)).status).toBe(404);
  });
});
