// One reconcile pass, level-triggered: re-read the desired commit and the
// observed hosts, schedule, plan, execute, then report status. Nothing is
// acted on from a trigger itself; the state across passes is only memory that
// makes passes better (restart counts in place, held rollouts, events), never
// something correctness depends on.

import type { Logger } from "../ports/logger.js";
import type { DesiredSource, SourceSnapshot, StatusSink } from "../ports/index.js";
import type { DesiredState } from "../model/spec.js";
import { plan as makePlan } from "../plan/index.js";
import { schedule } from "../schedule/index.js";
import { DEFAULT_MAX_MOVES_PER_MINUTE } from "../spec/index.js";
import type { Placement } from "../schedule/types.js";
import type { StatusInput, WaitNote } from "../status/index.js";
import type { WaitingSlot } from "../plan/index.js";
import { parseHolds, type HoldRecord } from "../status/parse-holds.js";
import type { ClusterLock, LockHost, LockVerdict } from "./cluster-lock.js";
import { DrainBatches, withDrainBeforeStop, type DrainResult } from "../execute/edge/drain.js";
import { RetiredHosts } from "./memory/retired-hosts.js";
import type { HostBook } from "../ports/host-book.js";
import { reconcileEdges, type EdgePassResult } from "../execute/edge/keeper.js";
import { executePlan, type ExecutionResult } from "../execute/index.js";
import { isPullBlocked } from "../execute/task.js";
import { fenced, fencedCalls } from "../observe/fenced-driver.js";
import { MoveBudget, type DeferredMove } from "./memory/move-budget.js";
import type { Fleet } from "../observe/fleet.js";
import type { HostHealth } from "../observe/host-health.js";
import { errorMessage, type HostDriver } from "../ports/host.js";
import { Journal } from "../report/journal.js";
import { passOutcome, type PassOutcome } from "./pass-outcome.js";
import { Observer, type FleetObservation } from "../observe/observer.js";
import { OomAvoidance } from "./memory/oom-avoidance.js";
import { RemovalGuard } from "./removal-guard.js";
import { ReplicaBackoff } from "./memory/replica-backoff.js";
import { RestartBook, restartHolds } from "./memory/restarts.js";
import { RolloutHolds } from "./memory/rollout-holds.js";
import { SpecLibrary } from "./memory/spec-library.js";
import { StatusReporter } from "../report/status-reporter.js";
import { statusInput } from "../report/status-input.js";
import type { Time } from "../ports/time.js";
import { VolumeSizes } from "../report/volume-sizes.js";
import { DataMover } from "../execute/data-mover.js";
import type { ObservedCluster, ObservedReplica } from "../model/observed.js";
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

export class Reconciler {
  readonly restarts: RestartBook;
  readonly holds = new RolloutHolds();
  /** Hosts a service's replacements avoid for a while after an OOM kill there. */
  readonly oom = new OomAvoidance();
  /** Flap protection: replica moves per rolling minute, cluster-wide. */
  readonly moves = new MoveBudget(DEFAULT_MAX_MOVES_PER_MINUTE);
  /** Specs of earlier commits: a held service's failover uses the last healthy spec of each slot. */
  readonly specs = new SpecLibrary();
  /** Per held service, the older spec its failover and healing use (for status). */
  private lastHealthy = new Map<string, string>();
  /** Pulls, creates and starts that keep failing are retried with backoff. */
  readonly backoff: ReplicaBackoff;
  /** Per service, the slots waiting for a retry as the last pass saw them (for status). */
  private waiting = new Map<string, WaitNote[]>();
  /**
   * Held rollouts read back from the committed status: read before this process
   * writes any status (which would replace it), taken by the first pass with a
   * desired state. "pending" until a read succeeds.
   */
  private restoredHolds: readonly HoldRecord[] | "pending" | "done" = "pending";
  /** The moves deferred by the last pass, so an unchanged deferral is reported once. */
  private lastDeferred = "";
  private readonly observer: Observer;
  private readonly status: StatusReporter;
  readonly journal: Journal;
  /** Hosts removed from cluster.yaml, kept draining until cleaned up. */
  private readonly retired: RetiredHosts;
  private readonly removals = new RemovalGuard();
  /** Replicas taken out of the edges' rotation before their stop (by name); reset every pass. */
  private leaving = new Set<string>();
  /** Edge steps run one at a time: a drain and the pass's own step must not interleave their reloads. */
  private edgeQueue: Promise<unknown> = Promise.resolve();
  /** Per service, the endpoints in rotation after the last edge step (for status). */
  private endpoints: EdgePassResult["endpoints"] = new Map();
  /** Sizes of volumes no replica uses, for status (measured in the background). */
  private readonly volumeSizes: VolumeSizes;
  /** Per service, published ports some host's edge cannot serve (for status). */
  private portConflicts: EdgePassResult["conflicts"] = new Map();
  /** Drain with move_data: copies bound replicas' volumes before they move. */
  private readonly dataMover: DataMover;

  constructor(private readonly o: ReconcilerOptions) {
    this.restarts = new RestartBook(() => o.time.now());
    this.backoff = new ReplicaBackoff(o.random ?? Math.random);
    this.journal = new Journal(o.logger, () => o.time.now());
    this.retired = new RetiredHosts({
      ...(o.hostBook !== undefined ? { book: o.hostBook } : {}),
      ...(o.endpointAllowed !== undefined ? { endpointAllowed: o.endpointAllowed } : {}),
      logger: o.logger,
      events: this.journal.record,
      now: () => o.time.now(),
    });
    this.observer = new Observer({
      fleet: o.fleet,
      health: o.health,
      time: o.time,
      timeoutMs: o.observeTimeoutMs ?? 5_000,
      onHealthChange: (c) => this.journal.health(c),
      logger: o.logger,
    });
    this.status = new StatusReporter(o.sink, o.logger, {
      time: o.time,
      minIntervalMs: o.statusIntervalMs ?? DEFAULT_STATUS_INTERVAL_MS,
    });
    this.volumeSizes = new VolumeSizes(o.fleet, o.logger);
    this.dataMover = new DataMover({
      fleet: o.fleet,
      health: o.health,
      time: o.time,
      logger: o.logger,
      events: this.journal.record,
    });
  }

  /** The status of the pass under way, as its report stage wrote it. */
  private reported: StatusInput | undefined;

  /** One pass, timed by stage, with the status it reported. */
  async pass(signal: AbortSignal): Promise<PassOutcome> {
    const stages = new StageTimer(() => this.o.time.now());
    this.reported = undefined;
    const out = await this.run(signal, stages);
    const status = this.reported;
    return { ...out, stagesMs: stages.done(), ...(status !== undefined ? { status } : {}) };
  }

  private async run(signal: AbortSignal, stages: StageTimer): Promise<PassOutcome> {
    const { time, logger } = this.o;
    if (this.o.leadership !== undefined && !this.o.leadership.mayAct()) return this.standby(stages);
    // Before this process writes status: its first write replaces what the last one committed.
    if (this.restoredHolds === "pending") this.restoredHolds = (await this.readHolds()) ?? "pending";
    let snapshot = await this.o.source.poll();
    stages.lap("load");
    this.journal.fromCache(snapshot);
    let desired = snapshot.desired?.state;
    if (desired === undefined) {
      this.journal.rejected(snapshot);
      const write = await this.report({ snapshot, rolling: new Set() });
      stages.lap("report");
      const ok = write && snapshot.outage === undefined && snapshot.rejected === undefined;
      return { ok, converged: false, snapshot };
    }
    // Hosts removed from cluster.yaml stay, draining, until nothing of the cluster is left on them.
    desired = await this.retired.widen(desired);
    await this.useCluster(desired);
    // Nothing is observed, planned, changed or reported while another operator holds the cluster.
    const lock = await this.o.lock?.ensureRecent(this.lockHosts(desired.cluster));
    if (lock !== undefined && !lock.held) return { ok: false, converged: false, snapshot, locked: lock };
    this.leaving = new Set();
    let observation = await this.observe(desired);
    stages.lap("observe");
    const superseded = this.supersededOnHosts(observation.cluster.replicas);
    if (superseded !== undefined)
      return { ok: false, converged: false, snapshot, standby: true, error: superseded };
    // Guarded deletions: judged against what runs, before anything is planned.
    const guard = this.removals.check(snapshot, observation.cluster.replicas);
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
      desired = await this.retired.widen(guard.desired);
      await this.useCluster(desired);
      if (hostsChanged) observation = await this.observe(desired);
    }
    const cluster = desired.cluster;
    if (this.restoredHolds !== "done") this.restoreHolds(desired);
    this.holds.prune(desired);
    this.backoff.retain(desired);
    this.specs.remember(desired);
    this.journal.retain(new Set(desired.services.map((s) => s.name)));
    let observed = this.observedFor(observation);
    // Moves beyond the budget stay where they run and are planned again by a later pass.
    this.moves.configure(cluster.settings.maxMovesPerMinute ?? DEFAULT_MAX_MOVES_PER_MINUTE);
    for (const k of this.oom.note(observed.replicas, time.now())) {
      logger.info(k, `${k.service}/${k.slot} was OOM-killed on ${k.host}: its replacement avoids the host`);
    }
    const avoid = this.oom.avoid(time.now());
    let throttled = this.moves.throttle(schedule(desired, observed, { avoid }), time.now());
    if (
      (throttled.placement.dataMoves?.length ?? 0) > 0 &&
      (await this.dataMover.run(desired, throttled.placement, observed.replicas))
    ) {
      // Data moved: the binding follows it, so schedule again from what the hosts say now.
      observation = await this.observe(desired);
      observed = this.observedFor(observation);
      throttled = this.moves.throttle(schedule(desired, observed, { avoid }), time.now());
    }
    const placement = throttled.placement;
    this.reportThrottled(throttled.deferred, cluster.settings.maxMovesPerMinute);
    this.journal.unschedulable(placement);
    const holds = restartHolds(desired, observed.replicas, this.restarts, time.now());
    const plan = makePlan(desired, placement, observed, {
      holdRestart: new Set([...holds.held, ...this.backoff.startsWaiting(time.now())]),
      hold: this.holds.asPlanOption(),
      pullWaiting: this.backoff.pullWaiting(time.now()),
      specOf: this.specs.specOf,
    });
    this.lastHealthy = new Map(
      plan.held.flatMap((h) => (h.lastHealthy !== undefined ? [[h.service, h.lastHealthy] as const] : [])),
    );
    this.waiting = this.waitNotes(plan.waiting ?? [], holds.crashLoops);
    for (const [slot, why] of holds.reasons) logger.debug({ slot }, `restart held: ${why}`);
    stages.lap("decide");

    let result: ExecutionResult | undefined;
    if (plan.rollouts.length > 0) {
      const rolling = new Set(
        plan.rollouts.filter((r) => r.batches.some((b) => b.rolling)).map((r) => r.service),
      );
      for (const s of rolling)
        this.journal.record({
          time: time.now(),
          kind: "update-started",
          service: s,
          message: `rolling update of ${s} started`,
        });
      // "Progressing" goes to Git in the background: the rollout does not wait on a push.
      if (rolling.size > 0)
        this.status.submit(this.statusFor({ snapshot, desired, observation, placement, rolling }));
      // Stops asked for together drain together: one look at the hosts and one edge step per batch.
      const drains = new DrainBatches((refs) => this.drain(desired, refs));
      result = await executePlan(
        {
          desired,
          commit: snapshot.desired?.commit ?? "",
          specOf: this.specs.specOf,
          // Fenced: a step on a host declared down is cancelled at once, even one in flight.
          // Drained: a replica leaves every edge's rotation before it is stopped.
          driver: (h) => {
            // Remembering volumes inside the fence: only a create actually sent can have made one.
            const raw = this.o.fleet.driver(h);
            const remembering =
              raw === undefined ? undefined : this.rememberingVolumes(raw, desired.cluster.name);
            const d = fenced(remembering, this.o.health.downSignal(h, time.now()));
            return d === undefined ? undefined : withDrainBeforeStop(d, (ref) => drains.drain(ref), time);
          },
          time,
          signal,
          events: this.journal.record,
          restarts: this.restarts,
          logger,
          ...(this.o.pollMs !== undefined ? { pollMs: this.o.pollMs } : {}),
        },
        plan,
      );
      this.holds.record(desired, result, time.now());
      this.backoff.record(desired, result.rollouts, time.now());
      this.waiting = this.waitNotes([...(plan.waiting ?? []), ...pullBlocked(result)], holds.crashLoops);
      for (const r of result.rollouts) {
        if (r.status === "completed" && rolling.has(r.rollout.service)) {
          this.journal.record({
            time: time.now(),
            kind: "update-completed",
            service: r.rollout.service,
            message: `rolling update of ${r.rollout.service} completed`,
          });
        }
      }
      stages.lap("execute");
      observation = await this.observe(desired);
      stages.lap("observe");
    }
    // The edges follow the replicas: after them, from what this pass observed on all hosts.
    await this.edges(desired, observation);
    await this.retired.cleanup(
      observation,
      desired.cluster.name,
      (h) => this.o.fleet.driver(h),
      async (h) => {
        const lock = this.o.fleet.driver(h)?.lock;
        if (lock !== undefined) await this.o.lock?.releaseOn({ name: h, lock });
      },
    );
    // Held services (a failed rollout) run an older spec: the commit is not applied.
    const converged =
      plan.rollouts.length === 0 &&
      plan.held.length === 0 &&
      observation.errors.size === 0 &&
      placement.unschedulable.length === 0 &&
      throttled.deferred.length === 0 &&
      this.retired.names.size === 0 &&
      this.waiting.size === 0;
    stages.lap("edge");
    this.journal.applied(snapshot, converged);
    const written = await this.report({ snapshot, desired, observation, placement, rolling: new Set() });
    stages.lap("report");
    const outcome = passOutcome(this.o.time.now(), {
      snapshot,
      plan,
      result,
      observation,
      written,
      wakeAt: earliest(earliest(holds.wakeAt, throttled.releaseAt), this.backoff.nextRetryAt(time.now())),
    });
    // Deferred moves and slots waiting for a retry are work left: not converged, and the next pass
    // comes when the budget has room or the retry is due.
    const left = throttled.deferred.length > 0 || this.waiting.size > 0;
    return left ? { ...outcome, converged: false } : outcome;
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

  /** Per service: image pulls and starts waiting for their retry, and crash loops backing off. */
  private waitNotes(
    pulls: readonly WaitingSlot[],
    crashLoops: ReadonlyMap<string, readonly WaitNote[]>,
  ): Map<string, WaitNote[]> {
    const out = this.backoff.notes(pulls, this.o.time.now());
    for (const [service, notes] of crashLoops) out.set(service, [...(out.get(service) ?? []), ...notes]);
    return out;
  }

  /** Hosts, health timing and drivers follow the cluster of the state this pass plans. */
  private async useCluster(desired: DesiredState): Promise<void> {
    const cluster = desired.cluster;
    this.o.health.configure({
      downAfterMs: cluster.settings.hostDownAfterMs,
      stableAfterMs: cluster.settings.hostStableAfterMs,
    });
    this.o.health.retain(cluster.hosts.map((h) => h.name));
    await this.o.fleet.sync(cluster);
  }

  /** Renew the cluster lock between passes (a pass may last longer than the lease). */
  async renewLock(): Promise<LockVerdict | undefined> {
    const cluster = this.o.source.current().desired?.state.cluster;
    if (this.o.lock === undefined || cluster === undefined) return undefined;
    return this.o.lock.ensure(this.lockHosts(cluster));
  }

  /** On a clean stop: the lock is given back, so the next operator need not wait for its lease. */
  async releaseLock(): Promise<void> {
    const cluster = this.o.source.current().desired?.state.cluster;
    if (this.o.lock === undefined || cluster === undefined) return;
    await this.o.lock.release(this.lockHosts(cluster));
  }

  /** The lock records of the hosts not known to be down (a down host would only cost a timeout). */
  private lockHosts(cluster: DesiredState["cluster"]): LockHost[] {
    const now = this.o.time.now();
    return cluster.hosts.flatMap((h) => {
      const lock = this.o.fleet.driver(h.name)?.lock;
      const down = this.o.health.view(h.name, now).state === "down";
      return lock === undefined || down ? [] : [{ name: h.name, lock }];
    });
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
    const records =
      this.restoredHolds === "pending" || this.restoredHolds === "done" ? [] : this.restoredHolds;
    this.restoredHolds = "done";
    const specs = new Map(desired.services.map((s) => [s.name, s.specHash]));
    // Records whose spec changed since are a new commit: not held, as if the hold had been pruned.
    const current = records.filter((r) => specs.get(r.service) === r.specHash);
    const { logger, time } = this.o;
    for (const r of this.holds.restore(current, time.now())) {
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
    const changed = key !== this.lastDeferred;
    this.lastDeferred = key;
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

  private edges(desired: DesiredState, observation: FleetObservation): Promise<EdgePassResult> {
    const run = (): Promise<EdgePassResult> =>
      reconcileEdges(
        {
          desired,
          hosts: observation.cluster.hosts,
          replicas: observation.cluster.replicas,
          fresh: observation.fresh,
          leaving: this.leaving,
        },
        // Fenced like the executor: a host frozen after this pass observed it must not hold the pass.
        (h) => {
          const edge = this.o.fleet.driver(h)?.edge;
          return edge && fencedCalls(edge, this.o.health.downSignal(h, this.o.time.now()), h);
        },
        this.o.logger,
      );
    const result = this.edgeQueue.then(run, run).then((r) => {
      this.endpoints = r.endpoints;
      this.portConflicts = r.conflicts;
      return r;
    });
    this.edgeQueue = result.catch(() => undefined);
    return result;
  }

  /** Before replicas are stopped: out of every edge's rotation, from a fresh look at all hosts. */
  private async drain(desired: DesiredState, refs: ReadonlySet<string>): Promise<Map<string, DrainResult>> {
    const out = new Map<string, DrainResult>();
    // Only edges hold replicas in rotation: with none (drivers without an edge) there is nothing to look at.
    if (!desired.cluster.hosts.some((h) => this.o.fleet.driver(h.name)?.edge !== undefined)) return out;
    const observation = await this.observe(desired);
    const found = observation.cluster.replicas.filter((r) => refs.has(r.id) || refs.has(r.name));
    if (found.length === 0) return out;
    for (const r of found) this.leaving.add(r.name);
    const result = await this.edges(desired, observation);
    const changed = [...result.outcomes.values()].some((o) => o !== "unchanged");
    for (const r of found) {
      const outcome = changed ? "drained" : "nothing-to-drain";
      out.set(r.id, outcome);
      out.set(r.name, outcome);
    }
    return out;
  }

  /**
   * A create makes the replica's named volumes on the host: the observer takes
   * them to be there from before the call until a listing shows the truth, so
   * a host lost in between still binds the slot (never started elsewhere empty).
   */
  private rememberingVolumes(d: HostDriver, cluster: string): HostDriver {
    return {
      name: d.name,
      ping: () => d.ping(),
      facts: () => d.facts(),
      observe: () => d.observe(),
      status: (ref) => d.status(ref),
      pull: (image) => d.pull(image),
      create: async (req) => {
        const settled = this.observer.creating(cluster, d.name, req.service, req.slot);
        try {
          return await d.create(req);
        } finally {
          settled();
        }
      },
      start: (ref) => d.start(ref),
      stop: (ref, graceMs) => d.stop(ref, graceMs),
      remove: (ref) => d.remove(ref),
      watch: (onEvent) => d.watch(onEvent),
      close: () => d.close(),
      ...(d.edge !== undefined ? { edge: d.edge } : {}),
      ...(d.volumes !== undefined ? { volumes: d.volumes } : {}),
    };
  }

  /** What the scheduler and planner see: restart counts carried, volumes as observed. */
  private observedFor(observation: FleetObservation): ObservedCluster {
    const c = observation.cluster;
    return {
      hosts: c.hosts,
      replicas: this.restarts.apply(c.replicas),
      ...(c.volumes !== undefined ? { volumes: c.volumes } : {}),
      ...(c.volumesUnknown !== undefined ? { volumesUnknown: c.volumesUnknown } : {}),
    };
  }

  private async observe(desired: DesiredState): Promise<FleetObservation> {
    const obs = await this.observer.observe(desired.cluster);
    if (obs.fresh.size === desired.cluster.hosts.length) {
      this.restarts.retain(obs.cluster.replicas);
      this.specs.retain(desired, obs.cluster.replicas);
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
    const observation = f.observation;
    const input = statusInput({
      snapshot: f.snapshot,
      removedHosts: this.retired.names,
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
      events: this.journal.events,
      now: this.o.time.now(),
      endpoints: this.endpoints,
      volumeSizes: this.volumeSizes.known,
      portConflicts: this.portConflicts,
      waiting: this.waiting,
      lastHealthy: this.lastHealthy,
      ...(f.error !== undefined ? { error: f.error } : {}),
      ...(this.o.leadership?.term !== undefined
        ? { leader: { holder: this.o.leadership.term.holder, epoch: this.o.leadership.term.epoch } }
        : {}),
    });
    this.volumeSizes.want(input.unusedVolumes ?? [], this.o.time.now());
    return input;
  }
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
