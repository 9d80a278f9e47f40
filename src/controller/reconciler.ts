// One reconcile pass, level-triggered: re-read the desired commit and the
// observed hosts, schedule, plan, execute, then report status. Nothing is
// acted on from a trigger itself; the state across passes is only memory that
// makes passes better (restart counts in place, held rollouts, events), never
// something correctness depends on.

import type { Logger } from "pino";
import type { DesiredSource, SourceSnapshot, StatusSink } from "../model/ports.js";
import type { DesiredState } from "../model/spec.js";
import { plan as makePlan } from "../plan/index.js";
import type { Plan } from "../plan/index.js";
import { schedule } from "../schedule/index.js";
import type { Placement } from "../schedule/types.js";
import { appendEvent, emptyEventLog, retainServices, type EventLog } from "../status/index.js";
import type { ControllerEvent } from "./events.js";
import { executePlan, type ExecutionResult } from "./execute/index.js";
import type { Fleet } from "./fleet.js";
import { errorMessage } from "./host-driver.js";
import type { HealthChange, HostHealth } from "./host-health.js";
import { Observer, type FleetObservation } from "./observe.js";
import { RestartBook, restartHolds } from "./restarts.js";
import { RolloutHolds } from "./rollout-holds.js";
import { toStatusEvent } from "./status-events.js";
import { StatusReporter } from "./status-reporter.js";
import { statusInput } from "./status-input.js";
import type { Time } from "./time.js";

export interface ReconcilerOptions {
  readonly source: DesiredSource;
  readonly sink: StatusSink;
  readonly fleet: Fleet;
  readonly health: HostHealth;
  readonly time: Time;
  readonly logger: Logger;
  /** Deadline for observing one host (default 5 s). */
  readonly observeTimeoutMs?: number;
  /** wait-healthy poll interval (default 250 ms). */
  readonly pollMs?: number;
}

export interface PassOutcome {
  /** Nothing failed: no failed rollout, no unreachable host, no Git or status error. */
  readonly ok: boolean;
  /** The hosts already matched the desired state (the plan was empty). */
  readonly converged: boolean;
  /** When another pass should run, in ms from now (0 = at once); undefined = only on a trigger. */
  readonly followUpMs?: number;
  readonly snapshot?: SourceSnapshot;
  readonly plan?: Plan;
  readonly result?: ExecutionResult;
  readonly error?: string;
}

export class Reconciler {
  readonly restarts: RestartBook;
  readonly holds = new RolloutHolds();
  private readonly observer: Observer;
  private readonly status: StatusReporter;
  private statusEvents: EventLog = emptyEventLog(20);
  private lastRejected: string | undefined;
  private lastApplied: string | undefined;
  private lastUnschedulable = new Map<string, string>();

  constructor(private readonly o: ReconcilerOptions) {
    this.restarts = new RestartBook(() => o.time.now());
    this.observer = new Observer({
      fleet: o.fleet,
      health: o.health,
      time: o.time,
      timeoutMs: o.observeTimeoutMs ?? 5_000,
      onHealthChange: (c) => this.healthChanged(c),
      logger: o.logger,
    });
    this.status = new StatusReporter(o.sink, o.logger);
  }

  /** Record an event: logged, and kept for status when it matters to people. */
  readonly event = (e: ControllerEvent): void => {
    const { time: _t, message, ...fields } = e;
    this.o.logger.info(fields, message);
    const se = toStatusEvent(e);
    if (se !== undefined) this.statusEvents = appendEvent(this.statusEvents, se);
  };

  /** Host heartbeat changes arrive here too (events for status). */
  healthChanged(c: HealthChange): void {
    if (c.from === c.to) return;
    const now = this.o.time.now();
    if (c.to === "down") {
      this.event({
        time: now,
        kind: "host-down",
        service: "",
        host: c.host,
        message: `host ${c.host} is down: ${c.error ?? "no answer"}`,
      });
    } else if (c.to === "up" && c.from === "down") {
      this.event({
        time: now,
        kind: "host-up",
        service: "",
        host: c.host,
        message: `host ${c.host} answers again`,
      });
    }
  }

  async pass(signal: AbortSignal): Promise<PassOutcome> {
    const { time, logger } = this.o;
    const snapshot = await this.o.source.poll();
    this.noteRejected(snapshot);
    const desired = snapshot.desired?.state;
    if (desired === undefined) {
      const write = await this.report({ snapshot, rolling: new Set() });
      const ok = write && snapshot.outage === undefined && snapshot.rejected === undefined;
      return { ok, converged: false, snapshot };
    }
    const cluster = desired.cluster;
    this.o.health.configure({
      downAfterMs: cluster.settings.hostDownAfterMs,
      stableAfterMs: cluster.settings.hostStableAfterMs,
    });
    this.o.health.retain(cluster.hosts.map((h) => h.name));
    await this.o.fleet.sync(cluster);
    this.holds.prune(desired);
    this.statusEvents = retainServices(this.statusEvents, new Set(desired.services.map((s) => s.name)));

    let observation = await this.observe(desired);
    const observed = {
      hosts: observation.cluster.hosts,
      replicas: this.restarts.apply(observation.cluster.replicas),
    };
    const placement = schedule(desired, observed);
    this.noteUnschedulable(placement);
    const holds = restartHolds(desired, observed.replicas, this.restarts, time.now());
    const plan = makePlan(desired, placement, observed, {
      holdRestart: holds.held,
      hold: this.holds.asPlanOption(),
    });
    for (const [slot, why] of holds.reasons) logger.debug({ slot }, `restart held: ${why}`);

    let result: ExecutionResult | undefined;
    if (plan.rollouts.length > 0) {
      const rolling = new Set(
        plan.rollouts.filter((r) => r.batches.some((b) => b.rolling)).map((r) => r.service),
      );
      for (const s of rolling)
        this.event({
          time: time.now(),
          kind: "update-started",
          service: s,
          message: `rolling update of ${s} started`,
        });
      if (rolling.size > 0) await this.report({ snapshot, desired, observation, placement, rolling });
      result = await executePlan(
        {
          desired,
          commit: snapshot.desired?.commit ?? "",
          driver: (h) => this.o.fleet.driver(h),
          time,
          signal,
          events: this.event,
          restarts: this.restarts,
          logger,
          ...(this.o.pollMs !== undefined ? { pollMs: this.o.pollMs } : {}),
        },
        plan,
      );
      this.holds.record(desired, result, time.now());
      for (const r of result.rollouts) {
        if (r.status === "completed" && rolling.has(r.rollout.service)) {
          this.event({
            time: time.now(),
            kind: "update-completed",
            service: r.rollout.service,
            message: `rolling update of ${r.rollout.service} completed`,
          });
        }
      }
      observation = await this.observe(desired);
    }
    // Held services (a failed rollout) run an older spec: the commit is not applied.
    const converged =
      plan.rollouts.length === 0 &&
      plan.held.length === 0 &&
      observation.errors.size === 0 &&
      placement.unschedulable.length === 0;
    this.noteApplied(snapshot, converged);
    const written = await this.report({ snapshot, desired, observation, placement, rolling: new Set() });
    return this.outcome({ snapshot, plan, result, observation, written, wakeAt: holds.wakeAt });
  }

  /** Status after a pass that threw: the error is reported, the rest as last known. */
  async reportError(error: string): Promise<void> {
    const snapshot = this.o.source.current();
    await this.report({
      snapshot,
      ...(snapshot.desired ? { desired: snapshot.desired.state } : {}),
      rolling: new Set(),
      error,
    });
  }

  private async observe(desired: DesiredState): Promise<FleetObservation> {
    const obs = await this.observer.observe(desired.cluster);
    if (obs.fresh.size === desired.cluster.hosts.length)
      this.restarts.retain(new Set(obs.cluster.replicas.map((r) => r.id)));
    return obs;
  }

  private async report(f: {
    snapshot: SourceSnapshot;
    desired?: DesiredState;
    observation?: FleetObservation;
    placement?: Placement;
    rolling: ReadonlySet<string>;
    error?: string;
  }): Promise<boolean> {
    const observation = f.observation;
    const input = statusInput({
      snapshot: f.snapshot,
      ...(f.desired !== undefined ? { desired: f.desired } : {}),
      ...(observation !== undefined
        ? {
            observation: {
              ...observation,
              cluster: {
                ...observation.cluster,
                replicas: this.restarts.apply(observation.cluster.replicas),
              },
            },
          }
        : {}),
      ...(f.placement !== undefined ? { placement: f.placement } : {}),
      holds: this.holds,
      rolling: f.rolling,
      health: this.o.health,
      events: this.statusEvents,
      now: this.o.time.now(),
      ...(f.error !== undefined ? { error: f.error } : {}),
    });
    return this.status.write(input);
  }

  private outcome(f: {
    snapshot: SourceSnapshot;
    plan: Plan;
    result: ExecutionResult | undefined;
    observation: FleetObservation;
    written: boolean;
    wakeAt: number | undefined;
  }): PassOutcome {
    const { result } = f;
    const failed = result?.rollouts.some((r) => r.status === "failed" || r.status === "skipped") ?? false;
    const ok = !failed && f.written && f.observation.errors.size === 0 && f.snapshot.outage === undefined;
    const base = {
      ok,
      converged: f.plan.rollouts.length === 0 && f.plan.held.length === 0,
      snapshot: f.snapshot,
      plan: f.plan,
      ...(result ? { result } : {}),
    };
    if (result?.cancelled === true) return base;
    // After changes, look again at once: confirm convergence (or continue after holds).
    if (result !== undefined && !failed) return { ...base, followUpMs: 0 };
    if (f.wakeAt !== undefined) return { ...base, followUpMs: Math.max(0, f.wakeAt - this.o.time.now()) };
    return base;
  }

  private noteRejected(snapshot: SourceSnapshot): void {
    const r = snapshot.rejected;
    if (r === undefined || r.commit === this.lastRejected) return;
    this.lastRejected = r.commit;
    const first = r.errors[0];
    const detail = first ? `: ${first.path}:${first.line}:${first.col}: ${first.message}` : "";
    this.event({
      time: this.o.time.now(),
      kind: "rejected",
      service: "",
      message: `commit ${r.commit.slice(0, 7)} rejected (${r.reason}, ${r.errors.length} error(s))${detail}`,
    });
  }

  private noteApplied(snapshot: SourceSnapshot, converged: boolean): void {
    const commit = snapshot.desired?.commit;
    if (!converged || commit === undefined || commit === this.lastApplied) return;
    this.lastApplied = commit;
    this.event({
      time: this.o.time.now(),
      kind: "applied",
      service: "",
      message: `converged on ${commit.slice(0, 7)}`,
    });
  }

  private noteUnschedulable(placement: Placement): void {
    const now = new Map(placement.unschedulable.map((u) => [u.service, u.message]));
    for (const [service, message] of now) {
      if (this.lastUnschedulable.get(service) !== message) {
        this.event({ time: this.o.time.now(), kind: "unschedulable", service, message });
      }
    }
    this.lastUnschedulable = now;
  }
}
