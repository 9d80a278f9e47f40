// One reconcile pass, level-triggered, read top to bottom in `run`:
// trigger (the daemon's loop calls pass) → load desired (src/desired) →
// observe (src/observe) → decide (pure: schedule, plan) → act (src/execute:
// rollouts, drains, edges) → report (src/report). Nothing is acted on from a
// trigger itself; what lives across passes is the memory (./memory), which
// makes passes better (restart counts in place, held rollouts, events), never
// something correctness depends on.

import type { Logger } from "../ports/logger.js";
import type { DesiredSource, SourceSnapshot, StatusSink } from "../ports/index.js";
import type { DesiredState } from "../model/spec.js";
import type { Plan, WaitingSlot } from "../plan/index.js";
import { DEFAULT_MAX_MOVES_PER_MINUTE } from "../spec/index.js";
import type { ClusterLock, LockHost, LockVerdict } from "./cluster-lock.js";
import type { HostBook } from "../ports/host-book.js";
import { isPullBlocked } from "../execute/task.js";
import type { Fleet } from "../observe/fleet.js";
import type { HostHealth } from "../observe/host-health.js";
import { Journal } from "../report/journal.js";
import { passOutcome, type PassOutcome } from "./pass-outcome.js";
import { Observer, type FleetObservation } from "../observe/observer.js";
import { StatusReporter } from "../report/status-reporter.js";
import { statusInput } from "../report/status-input.js";
import type { Time } from "../ports/time.js";
import { VolumeSizes } from "../report/volume-sizes.js";
import type { ObservedCluster, ObservedReplica } from "../model/observed.js";
import type { Placement } from "../schedule/types.js";
import type { RenderWork, StatusInput, WaitNote } from "../status/index.js";
import { parseHolds, type HoldRecord } from "../status/parse-holds.js";
import { EdgeStep } from "../execute/edge/edge-step.js";
import type { ExecutionResult } from "../execute/index.js";
import { DataMover } from "../execute/data-mover.js";
import type { AdmissionLimits } from "../execute/admission.js";
import { errorMessage } from "../ports/host.js";
import type { DeferredMove, ThrottleResult } from "./memory/move-budget.js";
import { restartHolds, type RestartHolds } from "./memory/restarts.js";
import { ReconcileMemory } from "./memory/index.js";
import type { ReplicaBackoff } from "./memory/replica-backoff.js";
import { act } from "./act.js";
import { supersededBy, type Leadership } from "../model/leadership.js";
import { StageTimer } from "../report/pass-report.js";

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
  /** Replica tasks running at once per host and in the fleet (default: admission.ts's). */
  readonly admission?: AdmissionLimits;
  /** At most one status commit per this many ms; later writes are coalesced (default 5 s). */
  readonly statusIntervalMs?: number;
  /** Random source for backoff jitter (default Math.random). */
  readonly random?: () => number;
  /** The single-instance guard: no pass acts unless this operator holds it. */
  readonly lock?: ClusterLock;
  /** Where the hosts ever applied are remembered (to clean up a host removed from cluster.yaml). */
  readonly hostBook?: HostBook;
  /** The operator's ceiling still allows this Docker endpoint (a remembered host's is checked again). */
  readonly endpointAllowed?: (docker: string) => boolean;
  /**
   * Standby operators: a pass acts only while this process leads (by its own clock);
   * otherwise it polls Git and observes the hosts read-only, so a takeover starts from a
   * warm cache and a fresh view.
   */
  readonly leadership?: Leadership;
}

/** Status commits are paced to at most one per 5 s (issue 15: 72 commits in 80 s before). */
export const DEFAULT_STATUS_INTERVAL_MS = 5_000;

/** What the decide stage found: where every replica runs, the moves the budget deferred, the steps. */
interface Decision {
  /** The observation the plan is made from (taken again when data was moved). */
  readonly observation: FleetObservation;
  readonly throttled: ThrottleResult;
  readonly plan: Plan;
  readonly holds: RestartHolds;
}

export class Reconciler {
  /** Everything kept from one pass to the next. */
  readonly memory: ReconcileMemory;
  readonly journal: Journal;
  private readonly observer: Observer;
  private readonly edgeStep: EdgeStep;
  private readonly dataMover: DataMover;
  private readonly status: StatusReporter;
  /** Sizes of volumes no replica uses, for status (measured in the background). */
  private readonly volumeSizes: VolumeSizes;
  /** The status of the pass under way, as its report stage wrote it. */
  private reported: StatusInput | undefined;

  constructor(private readonly o: ReconcilerOptions) {
    const now = (): number => o.time.now();
    this.journal = new Journal(o.logger, now);
    this.memory = new ReconcileMemory({
      now,
      random: o.random ?? Math.random,
      logger: o.logger,
      events: this.journal.record,
      ...(o.hostBook !== undefined ? { hostBook: o.hostBook } : {}),
      ...(o.endpointAllowed !== undefined ? { endpointAllowed: o.endpointAllowed } : {}),
    });
    this.observer = new Observer({
      fleet: o.fleet,
      health: o.health,
      time: o.time,
      timeoutMs: o.observeTimeoutMs ?? 5_000,
      onHealthChange: (c) => this.journal.health(c),
      logger: o.logger,
    });
    this.edgeStep = new EdgeStep({
      fleet: o.fleet,
      health: o.health,
      time: o.time,
      logger: o.logger,
      onResult: (r) => this.memory.edgesSeen(r),
    });
    this.dataMover = new DataMover({
      fleet: o.fleet,
      health: o.health,
      time: o.time,
      logger: o.logger,
      events: this.journal.record,
    });
    this.status = new StatusReporter(o.sink, o.logger, {
      time: o.time,
      minIntervalMs: o.statusIntervalMs ?? DEFAULT_STATUS_INTERVAL_MS,
    });
    this.volumeSizes = new VolumeSizes(o.fleet, o.logger);
  }

  /** One pass, timed by stage, with the status it reported. */
  async pass(signal: AbortSignal): Promise<PassOutcome> {
    const stages = new StageTimer(() => this.o.time.now());
    this.reported = undefined;
    const out = await this.run(signal, stages);
    const status = this.reported;
    return { ...out, stagesMs: stages.done(), ...(status !== undefined ? { status } : {}) };
  }

  // Longer than a screen on purpose: this is the pass as one reads it, stage after stage, each
  // stage one or two calls; split further, the order of the stages would no longer be on one page.
  // eslint-disable-next-line max-lines-per-function -- the pass as one reads it, stage after stage
  private async run(signal: AbortSignal, stages: StageTimer): Promise<PassOutcome> {
    // Trigger: a standby only keeps its view warm (Git and the hosts, read-only); the leader acts.
    if (this.o.leadership !== undefined && !this.o.leadership.mayAct()) return this.standby(stages);

    // Load desired: the commit that counts, judged by the spec loader (src/desired).
    let snapshot = await this.loadDesired();
    stages.lap("load");
    let desired = snapshot.desired?.state;
    if (desired === undefined) {
      this.journal.rejected(snapshot);
      const write = await this.report({ snapshot, rolling: new Set() });
      stages.lap("report");
      const ok = write && snapshot.outage === undefined && snapshot.rejected === undefined;
      return { ok, converged: false, snapshot };
    }
    desired = await this.useDesired(desired);
    // Nothing is observed, planned, changed or reported while another operator holds the cluster.
    const lock = await this.o.lock?.ensureRecent(this.lockHosts(desired.cluster));
    if (lock !== undefined && !lock.held) return { ok: false, converged: false, snapshot, locked: lock };
    // The cluster network made on each host while they are observed, not at the first create.
    this.prepareHosts(desired);

    // Observe every host.
    let observation = await this.observe(desired);
    stages.lap("observe");
    const superseded = this.supersededOnHosts(observation.cluster.replicas);
    if (superseded !== undefined)
      return { ok: false, converged: false, snapshot, standby: true, error: superseded };
    // Guarded deletions: judged against what runs, before anything is planned.
    const guard = this.memory.removals.check(snapshot, observation.cluster.replicas);
    if (guard.kind !== "pass") snapshot = guard.snapshot;
    this.journal.rejected(snapshot);
    if (guard.kind === "hold") {
      const write = await this.report({ snapshot, desired, observation, rolling: new Set() });
      stages.lap("report");
      return { ok: write, converged: false, snapshot };
    }
    if (guard.kind === "previous") {
      const hostsChanged =
        JSON.stringify(guard.desired.cluster.hosts) !== JSON.stringify(desired.cluster.hosts);
      desired = await this.useDesired(guard.desired);
      if (hostsChanged) observation = await this.observe(desired);
    }
    this.keepMemory(desired);

    // Decide: placement and steps (pure), within the move budget and the holds.
    const decision = await this.decide(desired, observation);
    const { plan, throttled } = decision;
    observation = decision.observation;
    stages.lap("decide");

    // Act: the rollouts (drains before stops), then the edges, then the hosts removed from cluster.yaml.
    const leaving = new Set<string>();
    let result: ExecutionResult | undefined;
    if (plan.rollouts.length > 0) {
      result = await this.act(snapshot, desired, decision, leaving, signal);
      stages.lap("execute");
      observation = await this.observe(desired);
      stages.lap("observe");
    }
    // The edges follow the replicas: after them, from what this pass observed on all hosts.
    await this.edgeStep.run(desired, observation, leaving);
    await this.cleanupRetired(desired, observation);
    stages.lap("edge");

    // Report: status to Git, and the pass's outcome to the loop.
    // Held services (a failed rollout) run an older spec: the commit is not applied.
    const converged =
      plan.rollouts.length === 0 &&
      plan.held.length === 0 &&
      observation.errors.size === 0 &&
      throttled.placement.unschedulable.length === 0 &&
      throttled.deferred.length === 0 &&
      this.memory.retired.names.size === 0 &&
      this.memory.waiting.size === 0;
    this.journal.applied(snapshot, converged);
    const written = await this.report({
      snapshot,
      desired,
      observation,
      placement: throttled.placement,
      rolling: new Set(),
    });
    stages.lap("report");
    return this.outcome({ snapshot, plan, result, observation, written, decision, converged });
  }

  /** Load desired: the source's verdict; the committed holds are read first (before any status write). */
  private async loadDesired(): Promise<SourceSnapshot> {
    // Before this process writes status: its first write replaces what the last one committed.
    const memory = this.memory;
    if (memory.restoredHolds === "pending") memory.restoredHolds = (await this.readHolds()) ?? "pending";
    const snapshot = await this.o.source.poll();
    this.journal.fromCache(snapshot);
    return snapshot;
  }

  /**
   * A standby's pass: Git polled (a warm cache) and the hosts the commit names observed,
   * read-only (drivers connected, so the heartbeat pings them too; their health, replicas,
   * restart counts and volumes as they are now), so a takeover starts from a fresh view.
   * Nothing is planned, changed or reported; the leader gate refuses any changing call anyway.
   */
  private async standby(stages: StageTimer): Promise<PassOutcome> {
    const snapshot = await this.o.source.poll();
    stages.lap("load");
    const desired = snapshot.desired?.state;
    if (desired !== undefined) {
      await this.useCluster(desired);
      await this.observe(desired);
      stages.lap("observe");
    }
    return { ok: true, converged: false, snapshot, standby: true };
  }

  /**
   * The state this pass plans: hosts removed from cluster.yaml stay in it, draining, until
   * nothing of the cluster is left on them; health timing and drivers follow its cluster.
   */
  private async useDesired(state: DesiredState): Promise<DesiredState> {
    const desired = await this.memory.retired.widen(state);
    await this.useCluster(desired);
    return desired;
  }

  private async useCluster(desired: DesiredState): Promise<void> {
    const cluster = desired.cluster;
    this.o.health.configure({
      downAfterMs: cluster.settings.hostDownAfterMs,
      stableAfterMs: cluster.settings.hostStableAfterMs,
    });
    this.o.health.retain(
      cluster.hosts.map((h) => h.name),
      this.o.time.now(),
    );
    await this.o.fleet.sync(cluster);
  }

  /**
   * What every create on a host needs (the cluster network) started ahead on each host of the
   * cluster, once per driver and not waited for (issue 13: a cold start's first create waited
   * for it after observe and decide). Not on hosts removed from cluster.yaml or declared down.
   */
  private prepareHosts(desired: DesiredState): void {
    const now = this.o.time.now();
    for (const h of desired.cluster.hosts) {
      if (this.memory.retired.names.has(h.name) || this.o.health.state(h.name, now) === "down") continue;
      try {
        this.o.fleet.driver(h.name)?.prepare?.();
      } catch {
        // The leader gate's refusal (leadership lost meanwhile): the creates are refused as well.
      }
    }
  }

  /** The memory follows the state this pass plans: stale holds, retries and specs go. */
  private keepMemory(desired: DesiredState): void {
    const m = this.memory;
    if (m.restoredHolds !== "done") this.restoreHolds(desired);
    m.holds.prune(desired);
    m.backoff.retain(desired);
    m.specs.remember(desired);
    this.journal.retain(new Set(desired.services.map((s) => s.name)));
    // Moves beyond the budget stay where they run and are planned again by a later pass.
    m.moves.configure(desired.cluster.settings.maxMovesPerMinute ?? DEFAULT_MAX_MOVES_PER_MINUTE);
  }

  private async decide(desired: DesiredState, first: FleetObservation): Promise<Decision> {
    const { time, logger } = this.o;
    const m = this.memory;
    let observation = first;
    let observed = this.observedFor(observation);
    for (const k of m.oom.note(observed.replicas, time.now())) {
      logger.info(k, `${k.service}/${k.slot} was OOM-killed on ${k.host}: its replacement avoids the host`);
    }
    const avoid = m.oom.avoid(time.now());
    const place = (): ThrottleResult =>
      m.moves.throttle(m.decisions.schedule(desired, observed, { avoid }), time.now());
    let throttled = place();
    if (
      (throttled.placement.dataMoves?.length ?? 0) > 0 &&
      (await this.dataMover.run(desired, throttled.placement, observed.replicas))
    ) {
      // Data moved: the binding follows it, so schedule again from what the hosts say now.
      observation = await this.observe(desired);
      observed = this.observedFor(observation);
      throttled = place();
    }
    const placement = throttled.placement;
    this.reportThrottled(throttled.deferred, desired.cluster.settings.maxMovesPerMinute);
    this.journal.unschedulable(placement);
    const holds = restartHolds(desired, observed.replicas, m.restarts, time.now());
    const plan = m.decisions.plan(desired, placement, observed, {
      holdRestart: new Set([...holds.held, ...m.backoff.startsWaiting(time.now())]),
      hold: m.holds.asPlanOption(),
      pullWaiting: m.backoff.pullWaiting(time.now()),
      specOf: m.specs.specOf,
    });
    m.lastHealthy = new Map(
      plan.held.flatMap((h) => (h.lastHealthy !== undefined ? [[h.service, h.lastHealthy] as const] : [])),
    );
    // A slot whose pull is retried this pass still waits on it until the pull goes through:
    // status says image-pull-failed during the retry, not progressing and back on every retry.
    m.waiting = this.waitNotes([...(plan.waiting ?? []), ...pullRetries(plan, m.backoff)], holds.crashLoops);
    for (const [slot, why] of holds.reasons) logger.debug({ slot }, `restart held: ${why}`);
    return { observation, throttled, plan, holds };
  }

  /** The rollouts, told as they start and complete; what they ended as goes into memory. */
  private async act(
    snapshot: SourceSnapshot,
    desired: DesiredState,
    decision: Decision,
    leaving: Set<string>,
    signal: AbortSignal,
  ): Promise<ExecutionResult> {
    const { time } = this.o;
    const m = this.memory;
    const { plan, observation } = decision;
    const placement = decision.throttled.placement;
    const rolling = new Set(
      plan.rollouts.filter((r) => r.batches.some((b) => b.rolling)).map((r) => r.service),
    );
    const hashes = new Map(desired.services.map((s) => [s.name, s.specHash]));
    for (const s of m.rolloutsTold.keys()) if (!hashes.has(s)) m.rolloutsTold.delete(s);
    for (const s of rolling) {
      const hash = hashes.get(s) ?? "";
      if (m.rolloutsTold.get(s) === hash) continue;
      m.rolloutsTold.set(s, hash);
      this.rolloutEvent(s, "update-started", "started");
    }
    // "Progressing" goes to Git in the background: the rollout does not wait on a push.
    if (rolling.size > 0)
      this.status.submit(this.statusFor({ snapshot, desired, observation, placement, rolling }));
    const result = await act(
      {
        fleet: this.o.fleet,
        health: this.o.health,
        observer: this.observer,
        edges: this.edgeStep,
        memory: m,
        time,
        logger: this.o.logger,
        events: this.journal.record,
        ...(this.o.pollMs !== undefined ? { pollMs: this.o.pollMs } : {}),
        ...(this.o.admission !== undefined ? { admission: this.o.admission } : {}),
      },
      { desired, commit: snapshot.desired?.commit ?? "", plan, leaving, signal },
    );
    m.holds.record(desired, result, time.now());
    m.backoff.record(desired, result.rollouts, time.now());
    m.waiting = this.waitNotes([...(plan.waiting ?? []), ...pullBlocked(result)], decision.holds.crashLoops);
    for (const r of result.rollouts) {
      if (r.status === "completed" && rolling.has(r.rollout.service)) {
        m.rolloutsTold.delete(r.rollout.service);
        this.rolloutEvent(r.rollout.service, "update-completed", "completed");
      }
    }
    return result;
  }

  private rolloutEvent(service: string, kind: "update-started" | "update-completed", what: string): void {
    const message = `rolling update of ${service} ${what}`;
    this.journal.record({ time: this.o.time.now(), kind, service, message });
  }

  /** Hosts removed from cluster.yaml that hold nothing of the cluster any more are cleaned up and forgotten. */
  private cleanupRetired(desired: DesiredState, observation: FleetObservation): Promise<void> {
    return this.memory.retired.cleanup(
      observation,
      desired.cluster.name,
      (h) => this.o.fleet.driver(h),
      async (h) => {
        const lock = this.o.fleet.driver(h)?.lock;
        if (lock !== undefined) await this.o.lock?.releaseOn({ name: h, lock });
      },
    );
  }

  /** How the pass ended, and when the next one is due. */
  private outcome(f: {
    snapshot: SourceSnapshot;
    plan: Plan;
    result: ExecutionResult | undefined;
    observation: FleetObservation;
    written: boolean;
    decision: Decision;
    /** What the journal says: replicas left unplaced, hosts unread or hosts retiring are work left too. */
    converged: boolean;
  }): PassOutcome {
    const now = this.o.time.now();
    const { holds, throttled } = f.decision;
    const outcome = passOutcome(now, {
      snapshot: f.snapshot,
      plan: f.plan,
      result: f.result,
      observation: f.observation,
      written: f.written,
      wakeAt: earliest(earliest(holds.wakeAt, throttled.releaseAt), this.memory.backoff.nextRetryAt(now)),
    });
    // Deferred moves and slots waiting for a retry are work left: not converged, and the next pass
    // comes when the budget has room or the retry is due. So are replicas that could not be placed
    // (every host down, too little memory): "converged" never means "nothing known to do".
    const left = !f.converged || throttled.deferred.length > 0 || this.memory.waiting.size > 0;
    return left ? { ...outcome, converged: false } : outcome;
  }

  /** Per service: image pulls and starts waiting for their retry, and crash loops backing off. */
  private waitNotes(
    pulls: readonly WaitingSlot[],
    crashLoops: ReadonlyMap<string, readonly WaitNote[]>,
  ): Map<string, WaitNote[]> {
    const out = this.memory.backoff.notes(pulls, this.o.time.now());
    for (const [service, notes] of crashLoops) out.set(service, [...(out.get(service) ?? []), ...notes]);
    return out;
  }

  /**
   * Renew the cluster lock between passes (a pass may last longer than the lease): on every host,
   * or only where the record is older than maxAgeMs (the heartbeat's beats renew the rest).
   */
  async renewLock(maxAgeMs?: number): Promise<LockVerdict | undefined> {
    const cluster = this.o.source.current().desired?.state.cluster;
    if (this.o.lock === undefined || cluster === undefined) return undefined;
    const hosts = this.lockHosts(cluster);
    return maxAgeMs === undefined ? this.o.lock.ensure(hosts) : this.o.lock.renewStale(hosts, maxAgeMs);
  }

  /** On a clean stop: the lock is given back, so the next operator need not wait for its lease. */
  async releaseLock(): Promise<void> {
    const cluster = this.o.source.current().desired?.state.cluster;
    if (this.o.lock === undefined || cluster === undefined) return;
    await this.o.lock.release(this.lockHosts(cluster));
  }

  /** The lock records of the hosts not known to be down (a down host would only cost a timeout). */
  /** Asked every 2.5 s by the renewer's round: a plain loop, no view or pair per host. */
  private lockHosts(cluster: DesiredState["cluster"]): LockHost[] {
    const now = this.o.time.now();
    const { fleet, health } = this.o;
    const out: LockHost[] = [];
    for (const h of cluster.hosts) {
      const lock = fleet.driver(h.name)?.lock;
      if (lock !== undefined && health.state(h.name, now) !== "down")
        out.push({ name: h.name, lock, down: health.downSignal(h.name, now) });
    }
    return out;
  }

  /** What the last status report rendered (nothing when its input was the one before's). */
  get statusRender(): RenderWork {
    return this.status.lastRender;
  }

  /** Write the status that waits for its commit interval now (shutdown). */
  flushStatus(): Promise<boolean> {
    return this.status.flush();
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

  /** The held rollouts of the committed status; undefined when it cannot be read (soft: logged). */
  private async readHolds(): Promise<HoldRecord[] | undefined> {
    try {
      const files = await this.o.sink.readStatus?.();
      return files === undefined ? [] : parseHolds(files);
    } catch (err) {
      this.o.logger.warn({ err: errorMessage(err) }, "held rollouts not restored: status not readable");
      return undefined;
    }
  }

  /**
   * After a restart: the rollouts the last committed status says were paused or
   * rolled back stay held while their spec is still the desired one. Once: when
   * the status could not be read by now, the operator goes on without them.
   */
  private restoreHolds(desired: DesiredState): void {
    const m = this.memory;
    const records = m.restoredHolds === "pending" || m.restoredHolds === "done" ? [] : m.restoredHolds;
    m.restoredHolds = "done";
    const specs = new Map(desired.services.map((s) => [s.name, s.specHash]));
    // Records whose spec changed since are a new commit: not held, as if the hold had been pruned.
    const current = records.filter((r) => specs.get(r.service) === r.specHash);
    const { logger, time } = this.o;
    for (const r of m.holds.restore(current, time.now())) {
      logger.info(
        { service: r.service, specHash: r.specHash, phase: r.phase },
        `rollout of ${r.service} stays ${r.phase} (from the committed status)` +
          (r.reason !== undefined ? `: ${r.reason}` : ""),
      );
    }
  }

  /** "moves throttled" in the journal (status events and the log), once per distinct deferral. */
  private reportThrottled(deferred: readonly DeferredMove[], limit: number | undefined): void {
    const key = deferred
      .map((d) => `${d.service}/${d.move.slot}:${d.move.from}>${d.move.to ?? ""}`)
      .join(",");
    const changed = key !== this.memory.lastDeferred;
    this.memory.lastDeferred = key;
    if (deferred.length === 0 || !changed) return;
    const list = deferred.map((d) => `${d.service}/${d.move.slot} ${d.move.from}→${d.move.to ?? "?"}`);
    this.journal.record({
      time: this.o.time.now(),
      kind: "moves-throttled",
      service: "",
      message:
        `moves throttled: ${deferred.length} deferred, at most ${limit ?? DEFAULT_MAX_MOVES_PER_MINUTE} ` +
        `per minute (${list.join(", ")})`,
    });
  }

  /** What the scheduler and planner see: restart counts carried, volumes as observed. */
  private observedFor(observation: FleetObservation): ObservedCluster {
    const c = observation.cluster;
    return {
      hosts: c.hosts,
      replicas: this.memory.restarts.apply(c.replicas),
      ...(c.volumes !== undefined ? { volumes: c.volumes } : {}),
      ...(c.volumesUnknown !== undefined ? { volumesUnknown: c.volumesUnknown } : {}),
    };
  }

  /** Every host, under a deadline; a complete look also trims the memory to what exists. */
  private async observe(desired: DesiredState): Promise<FleetObservation> {
    const obs = await this.observer.observe(desired.cluster);
    if (obs.fresh.size === desired.cluster.hosts.length) {
      this.memory.restarts.retain(obs.cluster.replicas);
      this.memory.specs.retain(desired, obs.cluster.replicas);
    }
    return obs;
  }

  /**
   * Fencing by epoch: containers from a later leadership term mean another
   * operator leads now, whatever this one's lease says. It gives up at once.
   */
  private supersededOnHosts(replicas: readonly ObservedReplica[]): string | undefined {
    const term = this.o.leadership?.term;
    if (term === undefined) return undefined;
    const newer = supersededBy(
      term.epoch,
      replicas.flatMap((r) => (r.epoch !== undefined ? [r.epoch] : [])),
    );
    if (newer === undefined) return undefined;
    const why = `containers of a later leadership term (epoch ${newer}, this one ${term.epoch}) are on the hosts`;
    this.o.leadership?.abdicate(why);
    return why;
  }

  private report(f: ReportFacts): Promise<boolean> {
    const input = this.statusFor(f);
    this.reported = input;
    return this.status.write(input);
  }

  private statusFor(f: ReportFacts): StatusInput {
    const m = this.memory;
    const observation = f.observation;
    const input = statusInput({
      snapshot: f.snapshot,
      removedHosts: m.retired.names,
      ...(f.desired !== undefined ? { desired: f.desired } : {}),
      ...(observation !== undefined
        ? {
            observation: {
              ...observation,
              cluster: { ...observation.cluster, replicas: m.restarts.apply(observation.cluster.replicas) },
            },
          }
        : {}),
      ...(f.placement !== undefined ? { placement: f.placement } : {}),
      holds: m.holds,
      rolling: f.rolling,
      health: this.o.health,
      events: this.journal.events,
      now: this.o.time.now(),
      endpoints: m.endpoints,
      volumeSizes: this.volumeSizes.known,
      portConflicts: m.portConflicts,
      waiting: m.waiting,
      lastHealthy: m.lastHealthy,
      ...(f.error !== undefined ? { error: f.error } : {}),
      ...(this.o.leadership?.term !== undefined
        ? { leader: { holder: this.o.leadership.term.holder, epoch: this.o.leadership.term.epoch } }
        : {}),
    });
    this.volumeSizes.want(input.unusedVolumes ?? [], this.o.time.now());
    return input;
  }
}

/** The slots of the plan that create a container from an image whose pull failed before: retries. */
function pullRetries(plan: Plan, backoff: ReplicaBackoff): WaitingSlot[] {
  return plan.rollouts.flatMap((r) =>
    r.batches.flatMap((b) =>
      b.tasks.flatMap((t) =>
        t.steps.flatMap((s) =>
          s.kind === "create" && backoff.pullFailedBefore(s.host, s.image)
            ? [
                {
                  service: t.service,
                  slot: t.slot,
                  host: s.host,
                  image: s.image,
                  reason: "image-pull-failed" as const,
                },
              ]
            : [],
        ),
      ),
    ),
  );
}

/** The slots this execution left alone because their image could not be pulled. */
function pullBlocked(result: ExecutionResult): WaitingSlot[] {
  return result.rollouts.flatMap((r) =>
    r.tasks.filter(isPullBlocked).flatMap((t) => {
      const create = t.task.steps.find((s) => s.kind === "create" && s.host === t.failure?.host);
      if (create?.kind !== "create") return [];
      const { service, slot } = t.task;
      return [
        { service, slot, host: create.host, image: create.image, reason: "image-pull-failed" as const },
      ];
    }),
  );
}

function earliest(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  return b === undefined ? a : Math.min(a, b);
}

interface ReportFacts {
  snapshot: SourceSnapshot;
  desired?: DesiredState;
  observation?: FleetObservation;
  placement?: Placement;
  rolling: ReadonlySet<string>;
  error?: string;
}

export type { PassOutcome } from "./pass-outcome.js";
