import { describe, expect, it } from "vitest";
import { GitfleetMetrics } from "../../../src/adapters/http/metrics-registry.js";
import type { Operator } from "../../../src/daemon/operator.js";
import { EMPTY_METRICS_MEMORY, nextMetrics, serviceSample } from "../../../src/report/metrics.js";
import { MetricsReporter, passReport } from "../../../src/report/metrics-reporter.js";
import type { SourceSnapshot } from "../../../src/ports/index.js";
import type { DesiredState } from "../../../src/model/spec.js";
import { summarise } from "../../../src/status/index.js";
import { HOSTS, state, web } from "../../support/web-service.js";
import { FakeFleet } from "../../support/fakes/fake-fleet.js";
import { FakeSink, FakeSource } from "../../support/fakes/fake-ports.js";
import { fakeOperator } from "../../support/fakes/fake-operator.js";
import { FakeTime } from "../../support/fakes/fake-time.js";
import { replica, service as serviceInput, syncedInput } from "../status/fixtures.js";
import { pollUntil } from "../../support/poll.js";

/** The real operator on fake hosts, each pass fed to a real prom-client registry. */
function setup(desired: DesiredState, o: { heartbeat?: boolean } = {}) {
  const time = new FakeTime();
  const fleet = new FakeFleet(time, HOSTS);
  const source = new FakeSource(time);
  source.set(desired);
  const sink = new FakeSink(time);
  const op: Operator = fakeOperator({ time, fleet, source, sink }, o);
  const metrics = new GitfleetMetrics();
  const reporter = new MetricsReporter((s) => metrics.apply(s));
  op.onPass((out) => reporter.passed(passReport(out, time.now())));
  const until = async (cond: () => boolean, limitMs = 600_000): Promise<void> => {
    await time.run(pollUntil(String(cond), cond, { timeoutMs: limitMs, intervalMs: 50, time }));
  };
  return { time, fleet, source, op, metrics, until };
}

async function values(m: GitfleetMetrics, name: string): Promise<Array<{ labels: object; value: number }>> {
  const metric = m.registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  return (await metric.get()).values.map((v) => ({ labels: v.labels, value: v.value }));
}

async function value(m: GitfleetMetrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const hit = (await values(m, name)).find((v) =>
    Object.entries(labels).every(([k, want]) => (v.labels as Record<string, unknown>)[k] === want),
  );
  return hit?.value ?? 0;
}

/** A histogram's series: _bucket, _sum and _count, each with its labels. */
async function histogram(m: GitfleetMetrics, name: string) {
  const got = await m.registry.getSingleMetric(name)?.get();
  return (got?.values ?? []) as Array<{
    metricName?: string;
    labels: Record<string, unknown>;
    value: number;
  }>;
}

describe("metrics from the real loop's passes", () => {
  it("a rollout: info Synced/Healthy at the new commit, replica gauges, rollouts_total succeeded, stages timed", async () => {
    const { op, source, time, metrics } = setup(state(web(1)));
    await time.run(op.runOnce());
    source.set(state(web(2)), "c2");
    await time.run(op.runOnce());
    expect(await values(metrics, "gitfleet_service_info")).toEqual([
      { labels: { service: "web", sync_status: "Synced", health_status: "Healthy", commit: "c2" }, value: 1 },
    ]);
    expect(await value(metrics, "gitfleet_service_replicas_desired", { service: "web" })).toBe(3);
    expect(await value(metrics, "gitfleet_service_replicas_running", { service: "web" })).toBe(3);
    expect(await value(metrics, "gitfleet_service_replicas_healthy", { service: "web" })).toBe(3);
    expect(await value(metrics, "gitfleet_rollouts_total", { service: "web", result: "succeeded" })).toBe(2);
    expect(await value(metrics, "gitfleet_cluster_info", { sync_status: "Synced", commit: "c2" })).toBe(1);
    expect(await value(metrics, "gitfleet_git_up")).toBe(1);
    expect(await value(metrics, "gitfleet_last_apply_timestamp_seconds")).toBeGreaterThan(0);
    const count = (await histogram(metrics, "gitfleet_reconcile_duration_seconds"))
      .filter((v) => v.metricName === "gitfleet_reconcile_duration_seconds_count")
      .map((v) => v.labels.stage);
    expect(new Set(count)).toEqual(
      new Set(["pass", "load", "observe", "decide", "execute", "edge", "report"]),
    );
  });

  it("a rolled-back rollout counts rolled_back and shows OutOfSync/Degraded", async () => {
    const { op, source, time, metrics, fleet } = setup(state(web(1)));
    await time.run(op.runOnce());
    fleet.behaviours.set("web:2", { unhealthyAfterMs: 1500 });
    source.set(state(web(2)), "c2");
    await time.run(op.runOnce());
    expect(await value(metrics, "gitfleet_rollouts_total", { service: "web", result: "rolled_back" })).toBe(
      1,
    );
    const info = await values(metrics, "gitfleet_service_info");
    expect(info.map((i) => i.labels)).toEqual([
      { service: "web", sync_status: "OutOfSync", health_status: "Degraded", commit: "c1" },
    ]);
    expect(await value(metrics, "gitfleet_cluster_info", { sync_status: "Degraded" })).toBe(1);
  });

  it("a rejected commit is counted once, however many passes see it", async () => {
    const { op, source, time, metrics } = setup(state(web(1)));
    await time.run(op.runOnce());
    source.reject("bad1", [{ path: "services/web.yaml", line: 3, col: 8, code: "schema", message: "no" }]);
    await time.run(op.runOnce());
    await time.run(op.runOnce());
    expect(await value(metrics, "gitfleet_commit_rejected_total", { reason: "invalid" })).toBe(1);
    expect(await value(metrics, "gitfleet_cluster_info", { sync_status: "Rejected" })).toBe(1);
    source.reject("bad2", [{ path: "services/web.yaml", line: 3, col: 8, code: "schema", message: "no" }]);
    await time.run(op.runOnce());
    expect(await value(metrics, "gitfleet_commit_rejected_total", { reason: "invalid" })).toBe(2);
  });

  it("a host that stops answering: host_up 0, and its failover is timed once", async () => {
    const { op, time, metrics, fleet, until } = setup(state(web(1)), { heartbeat: true });
    await op.start();
    await until(() => op.last?.converged === true);
    expect(await value(metrics, "gitfleet_host_up", { host: "h3" })).toBe(1);
    fleet.host("h3").down = true;
    await until(() => fleet.serving("web") - fleet.host("h3").byService("web").length === 3);
    await until(() => op.last?.converged === true);
    await time.run(time.sleep(5_000));
    await time.run(op.stop());
    expect(await value(metrics, "gitfleet_host_up", { host: "h3" })).toBe(0);
    expect(await value(metrics, "gitfleet_host_up", { host: "h1" })).toBe(1);
    const failover = await histogram(metrics, "gitfleet_failover_seconds");
    const count = failover.find((v) => v.metricName === "gitfleet_failover_seconds_count")?.value;
    const sum = failover.find((v) => v.metricName === "gitfleet_failover_seconds_sum")?.value ?? 0;
    expect(count).toBe(1);
    // Down after 15 s without an answer (the fixtures' setting), moved within a few seconds more.
    expect(sum).toBeGreaterThanOrEqual(15);
    expect(sum).toBeLessThan(25);
  });
});

describe("nextMetrics (pure)", () => {
  const outage = (since: number, attempts: number): SourceSnapshot => ({
    rewritten: false,
    changed: false,
    outage: { since, error: "connection refused", attempts },
  });

  it("counts each failed Git attempt once, and a new outage from its first attempt", () => {
    const at = 1_700_000_000_000;
    const r = (snapshot: SourceSnapshot) => ({ at, stagesMs: {}, snapshot, rollouts: [] });
    let m = nextMetrics(EMPTY_METRICS_MEMORY, r(outage(1, 2)));
    expect(m.sample.gitFetchFailures).toBe(2);
    expect(m.sample.gitUp).toBe(false);
    m = nextMetrics(m.memory, r(outage(1, 2)));
    expect(m.sample.gitFetchFailures).toBe(0);
    m = nextMetrics(m.memory, r(outage(1, 5)));
    expect(m.sample.gitFetchFailures).toBe(3);
    m = nextMetrics(m.memory, r({ rewritten: false, changed: false }));
    expect(m.sample.gitUp).toBe(true);
    m = nextMetrics(m.memory, r(outage(9, 1)));
    expect(m.sample.gitFetchFailures).toBe(1);
  });

  it("takes the suspend switch as the poll read it, and nothing from a pass that did not poll", () => {
    const r = (snapshot?: SourceSnapshot) => ({
      at: 1,
      stagesMs: {},
      rollouts: [],
      ...(snapshot !== undefined ? { snapshot } : {}),
    });
    const polled = (suspension: SourceSnapshot["suspension"]): SourceSnapshot => ({
      rewritten: false,
      changed: false,
      ...(suspension !== undefined ? { suspension } : {}),
    });
    const unknown = {
      state: "unknown",
      code: "etcd-unreachable",
      error: "etcd-unreachable: x",
      holds: [],
    } as const;
    expect(nextMetrics(EMPTY_METRICS_MEMORY, r(polled(unknown))).sample.suspended).toBe("unknown");
    const free = polled({ state: "not-suspended", lifted: [] });
    expect(nextMetrics(EMPTY_METRICS_MEMORY, r(free)).sample.suspended).toBe("not-suspended");
    expect(nextMetrics(EMPTY_METRICS_MEMORY, r()).sample).not.toHaveProperty("suspended");
    expect(nextMetrics(EMPTY_METRICS_MEMORY, r(polled(undefined))).sample).not.toHaveProperty("suspended");
  });

  it("maps each service state to Argo CD's sync and health axes", () => {
    const model = summarise(syncedInput());
    const web = model.services.find((s) => s.name === "web");
    if (web === undefined) throw new Error("no web");
    expect(serviceSample(web)).toMatchObject({ sync: "Synced", health: "Healthy", desired: 2, healthy: 2 });
    const paused = summarise(syncedInput({ services: [serviceInput("web", 2, { phase: "paused" })] }));
    expect(serviceSample(paused.services.find((s) => s.name === "web") ?? web)).toMatchObject({
      sync: "OutOfSync",
      health: "Suspended",
    });
    const spec = serviceInput("web", 2).spec;
    const crashed = summarise(
      syncedInput({
        services: [serviceInput("web", 2)],
        replicas: [replica(spec, "1", "h1"), replica(spec, "2", "h2", { state: "exited", health: "none" })],
      }),
    );
    expect(serviceSample(crashed.services.find((s) => s.name === "web") ?? web)).toMatchObject({
      sync: "Synced",
      health: "Degraded",
    });
  });
});
