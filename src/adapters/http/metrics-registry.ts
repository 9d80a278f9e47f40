// gitfleet's Prometheus metrics in a prom-client registry of their own (with
// Node's default process metrics). The values come from nextMetrics (pure);
// this only applies a sample: gauges are set to exactly the sample's series
// (a service or host that is gone disappears), counters and histograms gain
// what it says. Names and labels are documented in README ("Metrics").

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { MetricsSample } from "../../report/metrics.js";
import type { RejectReason } from "../../ports/index.js";
import { SuspendGauges } from "./suspend-gauges.js";

/** Passes take milliseconds when nothing changes and minutes for a rolling update. */
const STAGE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
/** Failover: seconds (detection takes host_down_after, 3 s by default) to minutes. */
const FAILOVER_BUCKETS = [1, 2, 3, 5, 7.5, 10, 15, 20, 30, 45, 60, 120, 300, 600];

const ROLLOUT_RESULTS = ["succeeded", "rolled_back", "paused", "failed"] as const;
/** Every reason, checked by the compiler: a new one must be listed here. */
const REJECT_REASONS = Object.keys({
  invalid: true,
  unsigned: true,
  "untrusted-signature": true,
  "bad-signature": true,
  "mass-removal": true,
  "history-rewound": true,
} satisfies Record<RejectReason, true>);

const LINT_FAILING_DEFAULTS = [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
];

export class GitfleetMetrics {
  readonly registry = new Registry();
  private readonly clusterInfo: Gauge<"cluster" | "sync_status" | "commit">;
  private readonly serviceInfo: Gauge<"service" | "sync_status" | "health_status" | "commit">;
  private readonly desired: Gauge<"service">;
  private readonly running: Gauge<"service">;
  private readonly healthy: Gauge<"service">;
  private readonly hostUp: Gauge<"host">;
  private readonly gitUp: Gauge;
  private readonly lastApply: Gauge;
  private readonly rollouts: Counter<"service" | "result">;
  private readonly gitFailures: Counter;
  private readonly rejected: Counter<"reason">;
  private readonly reconcile: Histogram<"stage">;
  private readonly failover: Histogram;
  private readonly isLeader: Gauge;
  private readonly leaderChanges: Counter;
  private readonly suspend: SuspendGauges;
  /** Asked at each scrape: whether this instance acts on the fleet now. */
  private leadingNow: () => boolean = () => false;

  // eslint-disable-next-line max-lines-per-function -- one declaration per metric (name, help, labels): a table, not logic
  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    // Gauges named like counters, which `promtool check metrics` refuses; the same counts by
    // type stay (nodejs_active_handles, _requests, _resources: sum() them for the total).
    for (const name of LINT_FAILING_DEFAULTS) this.registry.removeSingleMetric(name);
    this.clusterInfo = new Gauge({
      name: "gitfleet_cluster_info",
      help: "1 for the cluster: its sync status (Synced, Progressing, Degraded, Rejected, Error) and desired commit",
      labelNames: ["cluster", "sync_status", "commit"],
      registers,
    });
    this.serviceInfo = new Gauge({
      name: "gitfleet_service_info",
      help: "1 per service: sync_status Synced|OutOfSync, health_status Healthy|Progressing|Degraded|Suspended, and the commit its current replicas came from",
      labelNames: ["service", "sync_status", "health_status", "commit"],
      registers,
    });
    this.desired = new Gauge({
      name: "gitfleet_service_replicas_desired",
      help: "Replicas the desired state asks for (global services: eligible hosts)",
      labelNames: ["service"],
      registers,
    });
    this.running = new Gauge({
      name: "gitfleet_service_replicas_running",
      help: "Replica containers running",
      labelNames: ["service"],
      registers,
    });
    this.healthy = new Gauge({
      name: "gitfleet_service_replicas_healthy",
      help: "Replicas running and healthy (or running without a healthcheck)",
      labelNames: ["service"],
      registers,
    });
    this.hostUp = new Gauge({
      name: "gitfleet_host_up",
      help: "1 when the host's Docker engine answers its heartbeat, 0 when it is down",
      labelNames: ["host"],
      registers,
    });
    this.gitUp = new Gauge({
      name: "gitfleet_git_up",
      help: "1 when the last poll of the Git repository succeeded, 0 when it failed; no sample before the first poll (and on a standby, which does not poll)",
      registers,
    });
    this.lastApply = new Gauge({
      name: "gitfleet_last_apply_timestamp_seconds",
      help: "When the commit now applied was first seen applied and healthy (Unix time); no sample before that",
      registers,
    });
    // prom-client starts a gauge without labels at 0: a restarted operator would say "Git
    // down" (and an apply in 1970) until its first poll. Absent until the first reading, as
    // Prometheus' `up` convention has it (the suspend gauges likewise).
    this.gitUp.remove();
    this.lastApply.remove();
    this.rollouts = new Counter({
      name: "gitfleet_rollouts_total",
      help: "Rollouts (one service's changes in one pass) by result: succeeded, rolled_back, paused, failed",
      labelNames: ["service", "result"],
      registers,
    });
    this.gitFailures = new Counter({
      name: "gitfleet_git_fetch_failures_total",
      help: "Polls of the Git repository that failed",
      registers,
    });
    this.rejected = new Counter({
      name: "gitfleet_commit_rejected_total",
      help: "Commits rejected (each once), by reason: invalid, unsigned, untrusted-signature, bad-signature, mass-removal, history-rewound",
      labelNames: ["reason"],
      registers,
    });
    // Every reason at 0 from the start: an alert on increase() sees the first rejection too.
    for (const reason of REJECT_REASONS) this.rejected.inc({ reason }, 0);
    this.reconcile = new Histogram({
      name: "gitfleet_reconcile_duration_seconds",
      help: "Time of each reconcile pass (stage pass) and of its stages: load, observe, decide, execute, edge, report",
      labelNames: ["stage"],
      buckets: STAGE_BUCKETS,
      registers,
    });
    this.failover = new Histogram({
      name: "gitfleet_failover_seconds",
      help: "From a host's last answer to every service that ran there having its desired healthy replicas again",
      buckets: FAILOVER_BUCKETS,
      registers,
    });
    this.isLeader = new Gauge({
      name: "gitfleet_is_leader",
      help: "1 while this instance acts on the fleet (a single instance, or the leader of a standby group by its own clock), 0 on a standby",
      registers,
      // Read at each scrape, not after passes: a standby learns it leads between two passes.
      collect: () => this.isLeader.set(this.leadingNow() ? 1 : 0),
    });
    this.leaderChanges = new Counter({
      name: "gitfleet_leader_changes_total",
      help: "Leadership terms this instance won (its first election and each takeover); summed over the instances, increase() counts the leader changes",
      registers,
    });
    this.suspend = new SuspendGauges(this.registry, () => this.leadingNow());
  }

  /** Where gitfleet_is_leader is read from at each scrape (and whether the suspend gauges show). */
  leadership(leading: () => boolean): void {
    this.leadingNow = leading;
  }

  /** This instance won a leadership term. */
  elected(): void {
    this.leaderChanges.inc();
  }

  apply(s: MetricsSample): void {
    if (s.cluster !== undefined) {
      this.clusterInfo.reset();
      this.clusterInfo.set(
        { cluster: s.cluster.cluster, sync_status: s.cluster.sync, commit: s.cluster.commit },
        1,
      );
      this.serviceInfo.reset();
      this.desired.reset();
      this.running.reset();
      this.healthy.reset();
      for (const v of s.services) {
        const labels = { service: v.service };
        // At 0 before the first rollout of each result, so increase() counts the first one.
        for (const result of ROLLOUT_RESULTS) this.rollouts.inc({ service: v.service, result }, 0);
        this.serviceInfo.set(
          { service: v.service, sync_status: v.sync, health_status: v.health, commit: v.commit },
          1,
        );
        this.desired.set(labels, v.desired);
        this.running.set(labels, v.running);
        this.healthy.set(labels, v.healthy);
      }
      this.hostUp.reset();
      for (const [host, up] of s.hosts) this.hostUp.set({ host }, up ? 1 : 0);
    }
    if (s.gitUp !== undefined) this.gitUp.set(s.gitUp ? 1 : 0);
    if (s.lastApplyTimestamp !== undefined) this.lastApply.set(s.lastApplyTimestamp);
    if (s.suspended !== undefined) this.suspend.set(s.suspended);
    for (const r of s.rollouts) this.rollouts.inc({ service: r.service, result: r.result });
    if (s.gitFetchFailures > 0) this.gitFailures.inc(s.gitFetchFailures);
    for (const r of s.commitsRejected) this.rejected.inc({ reason: r.reason });
    for (const o of s.stageSeconds) this.reconcile.observe({ stage: o.stage }, o.seconds);
    for (const f of s.failoverSeconds) this.failover.observe(f);
  }

  /** The text exposition format, and its content type. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
