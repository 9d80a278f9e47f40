// Metrics on the test bed, read the way users read them: Debian's prometheus
// scrapes a running operator (gitfleet run with metrics.listen) every second,
// and the values are asserted through Prometheus' query API after a rollout,
// a rejected commit and a host failure. promtool checks the operator's output.

import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { killHost, resetTestbed, startHost } from "../../support/testbed.js";
import { busiest, failureCluster, failureServices, settled } from "../failures/support.js";
import { BED_POLL, freePort, OperatorWorld } from "./support.js";
import { pollUntil } from "../../support/poll.js";

let world: OperatorWorld;
let prometheus: ChildProcess | undefined;
let metricsUrl = "";
let promUrl = "";
let first = "";

/** The value of an instant query's first sample, or undefined when it has none. */
async function query(expr: string): Promise<{ value: number; labels: Record<string, string> } | undefined> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as {
    data?: { result?: Array<{ metric: Record<string, string>; value: [number, string] }> };
  };
  const hit = body.data?.result?.[0];
  return hit === undefined ? undefined : { value: Number(hit.value[1]), labels: hit.metric };
}

const atLeast = (expr: string, n: number) => async () => ((await query(expr))?.value ?? -1) >= n;

beforeAll(async () => {
  await resetTestbed();
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}`;
  world = await OperatorWorld.create({}, { extra: [`metrics: {listen: "127.0.0.1:${port}"}`] });
  first = await world.push({ "cluster.yaml": failureCluster(), ...failureServices() }, "metrics drill");
  world.startOperator();
  await pollUntil("the services deployed", () => settled(world), { ...BED_POLL, timeoutMs: 120_000 });

  const promDir = path.join(world.dir, "prometheus");
  await mkdir(promDir);
  const promPort = await freePort();
  promUrl = `http://127.0.0.1:${promPort}`;
  const config = path.join(promDir, "prometheus.yml");
  await writeFile(
    config,
    [
      "global: {scrape_interval: 1s, evaluation_interval: 1s}",
      "scrape_configs:",
      "  - job_name: gitfleet",
      `    static_configs: [{targets: ["127.0.0.1:${port}"]}]`,
      "",
    ].join("\n"),
  );
  prometheus = spawn(
    "prometheus",
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(promDir, "data")}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ],
    { stdio: "ignore" },
  );
  await pollUntil(
    "prometheus ready",
    async () => (await fetch(`${promUrl}/-/ready`).catch(() => undefined))?.ok,
    { ...BED_POLL, timeoutMs: 60_000 },
  );
  await pollUntil("the first scrape", atLeast('up{job="gitfleet"}', 1), { ...BED_POLL, timeoutMs: 30_000 });
}, 240_000);

afterAll(async () => {
  prometheus?.kill("SIGTERM");
  await world?.close();
  await resetTestbed();
});

describe("metrics scraped by Prometheus", () => {
  it("after the rollout: services Synced and Healthy at the pushed commit, replicas, rollouts, stages", async () => {
    await pollUntil("web healthy 3/3", atLeast('gitfleet_service_replicas_healthy{service="web"}', 3), {
      ...BED_POLL,
      timeoutMs: 30_000,
    });
    const info = await pollUntil(
      "web's info",
      () => query('gitfleet_service_info{service="web",sync_status="Synced",health_status="Healthy"}'),
      BED_POLL,
    );
    expect(info.labels["commit"]).toBe(first);
    expect((await query('gitfleet_service_replicas_desired{service="api"}'))?.value).toBe(2);
    expect(
      (await query('gitfleet_rollouts_total{service="web",result="succeeded"}'))?.value,
    ).toBeGreaterThanOrEqual(1);
    expect((await query('gitfleet_cluster_info{sync_status="Synced"}'))?.labels["commit"]).toBe(first);
    expect((await query('gitfleet_reconcile_duration_seconds_count{stage="pass"}'))?.value).toBeGreaterThan(
      0,
    );
    expect((await query("gitfleet_git_up"))?.value).toBe(1);
    expect((await query("process_resident_memory_bytes"))?.value).toBeGreaterThan(0);
    expect((await fetch(`${metricsUrl}/readyz`)).status).toBe(200);
    expect((await fetch(`${metricsUrl}/healthz`)).status).toBe(200);
    // promtool accepts what the operator serves.
    const text = await (await fetch(`${metricsUrl}/metrics`)).text();
    const lint = await new Promise<{ code: number; out: string }>((resolve) => {
      const child = execFile("promtool", ["check", "metrics"], (err, stdout, stderr) =>
        resolve({ code: err === null ? 0 : 1, out: stdout + stderr }),
      );
      child.stdin?.end(text);
    });
    expect(lint.out).toBe("");
    expect(lint.code).toBe(0);
  });

  it("a rejected commit: counted once with its reason, the cluster Rejected", async () => {
    await world.push(
      { "services/web.yaml": "kind: Service\nname: web\nimage: gitfleet/web:1\ndeploy: {replicas: -1}\n" },
      "broken",
    );
    await pollUntil("the rejection counted", atLeast('gitfleet_commit_rejected_total{reason="invalid"}', 1), {
      ...BED_POLL,
      timeoutMs: 60_000,
    });
    await pollUntil("the cluster Rejected", atLeast('gitfleet_cluster_info{sync_status="Rejected"}', 1), {
      ...BED_POLL,
      timeoutMs: 30_000,
    });
    // More passes see the same rejection: it stays counted once.
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await query('gitfleet_commit_rejected_total{reason="invalid"}'))?.value).toBe(1);
    await world.push(failureServices(), "fixed");
    await pollUntil("Synced again", atLeast('gitfleet_cluster_info{sync_status="Synced"}', 1), {
      ...BED_POLL,
      timeoutMs: 60_000,
    });
  });

  it("a host failure: host_up 0, failover timed; host_up 1 once it is back", async () => {
    const before = await pollUntil("a settled cluster", () => settled(world), {
      ...BED_POLL,
      timeoutMs: 60_000,
    });
    const victim = busiest(before);
    await killHost(victim);
    try {
      await pollUntil(
        `${victim.name} down`,
        async () => (await query(`gitfleet_host_up{host="${victim.name}"}`))?.value === 0,
        { ...BED_POLL, timeoutMs: 30_000 },
      );
      await pollUntil("the failover timed", atLeast("gitfleet_failover_seconds_count", 1), {
        ...BED_POLL,
        timeoutMs: 60_000,
      });
      const seconds = (await query("gitfleet_failover_seconds_sum"))?.value ?? 0;
      expect(seconds).toBeGreaterThan(0);
      expect(seconds).toBeLessThan(30);
    } finally {
      await startHost(victim);
    }
    await pollUntil(`${victim.name} up`, atLeast(`gitfleet_host_up{host="${victim.name}"}`, 1), {
      ...BED_POLL,
      timeoutMs: 90_000,
    });
  });
});
