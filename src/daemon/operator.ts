// The operator: triggers mark work as due, a single-flight loop runs
// reconcile passes, the heartbeat watches the hosts on its own timer. Every
// effect comes in through ports (source, sink, driver factory, time), so the
// same object runs in production, in the e2e tests and with fakes.

import type { Logger } from "../ports/logger.js";
import type { DesiredSource, StatusSink } from "../ports/index.js";
import { WarnThrottle } from "../log-throttle.js";
import type { LockIdentity } from "../model/lock.js";
import { describeVerdict, type ClusterLock } from "../reconcile/cluster-lock.js";
import { Fleet, type DriverFactory } from "../observe/fleet.js";
import type { HostBook } from "../ports/host-book.js";
import { errorMessage } from "../ports/host.js";
import { Heartbeat, heartbeatInterval } from "./heartbeat.js";
import { HostHealth, type HealthChange } from "../observe/host-health.js";
import { Reconciler, type PassOutcome } from "../reconcile/reconciler.js";
import type { Time } from "../ports/time.js";
import { eventReason, type Trigger } from "./triggers.js";
import { WorkLoop } from "./work-loop.js";
import type { OperatorVitals } from "../report/probes.js";
import { LeaderElector, type LeadershipChange } from "./leader-elector.js";
import type { LeaseStore, LeaseTiming } from "../model/leadership.js";
import { leaderGatedDrivers } from "../execute/leader-gate.js";
import type { AdmissionLimits } from "../execute/admission.js";
import { leaderGatedSink } from "../report/leader-gated-sink.js";

export interface OperatorOptions {
  readonly source: DesiredSource;
  readonly sink: StatusSink;
  readonly drivers: DriverFactory;
  readonly triggers?: readonly Trigger[];
  /** The clock and the logger of the process (adapters/system), or fakes. */
  readonly time: Time;
  readonly logger: Logger;
  /** Run the host heartbeat (default true; --once does without). */
  readonly heartbeat?: boolean;
  readonly observeTimeoutMs?: number;
  readonly pollMs?: number;
  /** Replica tasks running at once per host and in the fleet (default: execute/admission.ts's). */
  readonly admission?: AdmissionLimits;
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** The single-instance guard (production always has one; fakes may do without). */
  readonly lock?: ClusterLock;
  /** At most one status commit per this many ms (default 5 s; 0: every change at once). */
  readonly statusIntervalMs?: number;
  readonly hostBook?: HostBook;
  readonly endpointAllowed?: (docker: string) => boolean;
  /**
   * Standby operators: elect a leader on this lease store; only the leader acts and pushes
   * status (the cluster lock is not used then). Absent: a single instance.
   */
  readonly leaderElection?: {
    readonly store: LeaseStore;
    readonly holder: string;
    readonly timing: LeaseTiming;
  };
  /**
   * What runs beside the loop and reads from it (the metrics and probe listener, notification
   * delivery): started before the triggers, stopped after the last pass reported.
   */
  readonly companions?: readonly Companion[];
}

export interface Companion {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Defaults until the first commit says otherwise (cluster.settings). */
const INITIAL_HEALTH = { downAfterMs: 15_000, stableAfterMs: 30_000 };

export class Operator {
  readonly reconciler: Reconciler;
  private readonly time: Time;
  private readonly logger: Logger;
  private readonly fleet: Fleet;
  /** Standby operators only: who leads is decided on the lease store. */
  private readonly elector: LeaderElector | undefined;
  private readonly health: HostHealth;
  private readonly loop: WorkLoop;
  private readonly heartbeat: Heartbeat | undefined;
  /** Whether the last pass converged (for logging the moment it does). */
  private converged = false;
  private readonly listeners = new Set<(o: PassOutcome) => void>();
  private started = false;
  private lastOutcome: PassOutcome | undefined;
  /** Set once this operator must not act any more (another one holds the cluster). */
  private refusal: string | undefined;
  private readonly fatalListeners = new Set<(why: string) => void>();
  private readonly leadershipListeners = new Set<(c: LeadershipChange) => void>();
  private renewer: { stop: AbortController; done: Promise<void> } | undefined;
  private readonly lockWarnings = new WarnThrottle(30_000, () => this.time.now());
  /** For the probes: the pass in flight, the last one finished, whether the loop runs. */
  private passSince: number | undefined;
  private lastPass: { endedAt: number; ms: number } | undefined;
  private stopping = false;

  // eslint-disable-next-line max-lines-per-function -- the operator's parts wired together, each given what it needs from the others
  constructor(private readonly o: OperatorOptions) {
    this.time = o.time;
    this.logger = o.logger;
    this.health = new HostHealth(INITIAL_HEALTH, this.time.now());
    this.elector =
      o.leaderElection === undefined
        ? undefined
        : new LeaderElector({
            ...o.leaderElection,
            time: this.time,
            logger: this.logger,
            onChange: (c) => this.leadershipChanged(c),
          });
    this.fleet = new Fleet(
      this.elector === undefined ? o.drivers : leaderGatedDrivers(o.drivers, this.elector),
      (host, e) => {
        const reason = eventReason(host, e);
        if (reason !== undefined) this.markDue(reason);
      },
      this.logger,
    );
    this.reconciler = new Reconciler({
      source: o.source,
      sink: this.elector === undefined ? o.sink : leaderGatedSink(o.sink, this.elector),
      fleet: this.fleet,
      health: this.health,
      time: this.time,
      logger: this.logger,
      ...(o.observeTimeoutMs !== undefined ? { observeTimeoutMs: o.observeTimeoutMs } : {}),
      ...(o.pollMs !== undefined ? { pollMs: o.pollMs } : {}),
      ...(o.admission !== undefined ? { admission: o.admission } : {}),
      ...(o.lock !== undefined ? { lock: o.lock } : {}),
      ...(o.statusIntervalMs !== undefined ? { statusIntervalMs: o.statusIntervalMs } : {}),
      ...(o.hostBook !== undefined ? { hostBook: o.hostBook } : {}),
      ...(o.endpointAllowed !== undefined ? { endpointAllowed: o.endpointAllowed } : {}),
      ...(this.elector !== undefined ? { leadership: this.elector } : {}),
    });
    this.loop = new WorkLoop({
      time: this.time,
      logger: this.logger,
      pass: (signal, reasons) => this.pass(signal, reasons),
      onError: (err) => this.reconciler.reportError(errorMessage(err)),
      ...(o.backoffBaseMs !== undefined ? { backoffBaseMs: o.backoffBaseMs } : {}),
      ...(o.backoffMaxMs !== undefined ? { backoffMaxMs: o.backoffMaxMs } : {}),
    });
    if (o.heartbeat !== false) {
      const intervalMs = (): number => heartbeatInterval(this.healthSettingsDownAfter());
      this.heartbeat = new Heartbeat({
        fleet: this.fleet,
        health: this.health,
        time: this.time,
        intervalMs,
        onChange: (c) => this.hostChanged(c),
        logger: this.logger,
        // The lock's renewals ride on the beats: one request per host per beat.
        ...(o.lock !== undefined ? { lock: o.lock } : {}),
      });
      o.lock?.beatEvery(intervalMs);
    }
  }

  get last(): PassOutcome | undefined {
    return this.lastOutcome;
  }

  /** What liveness and readiness are judged from. */
  vitals(): OperatorVitals {
    const outage = this.o.source.current().outage;
    return {
      looping: this.started && !this.stopping,
      ...(this.passSince !== undefined ? { passSince: this.passSince } : {}),
      ...(this.lastPass !== undefined ? { lastPass: this.lastPass } : {}),
      ...(outage !== undefined ? { gitDownSince: outage.since } : {}),
    };
  }

  /** Start the triggers, the heartbeat and the loop; the first pass is due at once. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    for (const c of this.o.companions ?? []) {
      await c.start();
      this.logger.info({ companion: c.name }, "started");
    }
    for (const t of this.o.triggers ?? []) {
      await t.start((reason) => this.markDue(reason));
      this.logger.info({ trigger: t.name }, "trigger started");
    }
    this.heartbeat?.start();
    this.startRenewer();
    this.elector?.start();
    this.loop.start();
    this.markDue("startup");
  }

  /** SIGTERM: the pass in flight finishes its current step and writes status; then everything stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.o.triggers ?? []) await t.stop().catch(() => undefined);
    await this.loop.stop();
    await this.reconciler.flushStatus().catch(() => undefined);
    await this.heartbeat?.stop();
    this.renewer?.stop.abort();
    await this.renewer?.done;
    if (this.refusal === undefined) await this.reconciler.releaseLock().catch(() => undefined);
    for (const c of this.o.companions ?? []) await c.stop().catch(() => undefined);
    // After the last status write: a standby takes over at once instead of after the TTL.
    await this.elector?.stop();
    this.fleet.close();
  }

  /**
   * Called once when this operator must stop acting: another operator holds the cluster lock
   * (alive: it renews its lease), or took it from this one. The CLI exits then.
   */
  onFatal(listener: (why: string) => void): () => void {
    this.fatalListeners.add(listener);
    return () => this.fatalListeners.delete(listener);
  }

  /**
   * Whether this operator acts on the fleet now: a single instance while nothing refused it,
   * a standby group's member while it leads by its own clock (gitfleet_is_leader).
   */
  leading(): boolean {
    if (this.refusal !== undefined || this.stopping) return false;
    return this.elector === undefined ? this.started : this.elector.mayAct();
  }

  /** Called when this operator is elected or loses its term (standby groups only). Returns unsubscribe. */
  onLeadership(listener: (c: LeadershipChange) => void): () => void {
    this.leadershipListeners.add(listener);
    return () => this.leadershipListeners.delete(listener);
  }

  markDue(reason: string, inMs = 0): void {
    this.loop.markDue(reason, inMs);
  }

  /** Called after every pass (tests, the CLI's progress). Returns unsubscribe. */
  onPass(listener: (o: PassOutcome) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * --once: passes back to back until one finds nothing left to do (or one fails), at most
   * maxPasses; no triggers, no heartbeat. The last outcome says whether the cluster converged.
   */
  async runOnce(maxPasses = 10, signal?: AbortSignal): Promise<PassOutcome> {
    const abort = signal ?? new AbortController().signal;
    let out: PassOutcome | undefined;
    if (this.elector !== undefined && !(await this.awaitLeadership(abort))) {
      await this.elector.stop();
      this.fleet.close();
      return { ok: false, converged: false, standby: true, error: "another operator leads this fleet" };
    }
    for (let i = 0; i < maxPasses; i++) {
      try {
        out = await this.pass(abort, [i === 0 ? "once" : "once: follow-up"]);
        // A lock whose holder was not seen alive yet: wait for its lease to tell, then try again.
        if (out.locked !== undefined && !out.locked.alive && !out.locked.lost && this.refusal === undefined) {
          await this.time.sleep(out.locked.expiresInMs + 100, abort);
          continue;
        }
      } catch (err) {
        await this.reconciler.reportError(errorMessage(err)).catch(() => undefined);
        out = { ok: false, converged: false, error: errorMessage(err) };
      }
      if (!out.ok || out.converged || out.followUpMs !== 0 || abort.aborted) break;
    }
    await this.reconciler.flushStatus().catch(() => undefined);
    if (this.refusal === undefined) await this.reconciler.releaseLock().catch(() => undefined);
    await this.elector?.stop();
    this.fleet.close();
    return out ?? { ok: false, converged: false, error: "no pass ran" };
  }

  private async pass(signal: AbortSignal, reasons: readonly string[]): Promise<PassOutcome> {
    const started = this.time.now();
    this.passSince = started;
    try {
      return await this.timedPass(signal, reasons, started);
    } finally {
      const endedAt = this.time.now();
      this.passSince = undefined;
      this.lastPass = { endedAt, ms: endedAt - started };
    }
  }

  private async timedPass(
    signal: AbortSignal,
    reasons: readonly string[],
    started: number,
  ): Promise<PassOutcome> {
    if (this.refusal !== undefined) return { ok: false, converged: false, error: this.refusal };
    this.logger.debug({ reasons }, "pass started");
    const out = await this.reconciler.pass(signal);
    this.lastOutcome = out;
    if (out.locked !== undefined) {
      this.locked(out.locked);
      const refused = { ...out, error: `refusing to act: ${describeVerdict(out.locked)}` };
      for (const l of this.listeners) l(refused);
      return refused;
    }
    const changed = out.plan?.rollouts.length ?? 0;
    // Quiet while nothing happens, but the first converged pass after a change (or after start) is news.
    const newlyConverged = out.converged && !this.converged;
    this.converged = out.converged;
    const level = changed > 0 || !out.ok || newlyConverged ? "info" : "debug";
    this.logger[level](
      {
        ms: this.time.now() - started,
        ok: out.ok,
        rollouts: changed,
        commit: out.snapshot?.desired?.commit?.slice(0, 7),
        reasons,
        ...(out.stagesMs !== undefined ? { stagesMs: out.stagesMs } : {}),
      },
      out.converged ? "pass: converged" : "pass done",
    );
    for (const l of this.listeners) l(out);
    return out;
  }

  /** Another operator's record: refuse for good when it is alive (or took ours), else wait for its lease. */
  private locked(v: NonNullable<PassOutcome["locked"]>): void {
    const why = describeVerdict(v);
    if (v.alive || v.lost) {
      this.fatal(`refusing to act: ${why}`, v.holder);
      return;
    }
    this.lockWarnings.warn(this.logger, "wait", { holder: v.holder, host: v.host }, `not acting yet: ${why}`);
    this.markDue("cluster lock: lease check", Math.min(v.expiresInMs, this.renewEveryMs()) + 100);
  }

  private fatal(why: string, holder?: LockIdentity): void {
    if (this.refusal !== undefined) return;
    this.refusal = why;
    this.logger.error(holder !== undefined ? { holder } : {}, why);
    for (const l of this.fatalListeners) l(why);
  }

  private renewEveryMs(): number {
    return Math.max(200, Math.floor((this.o.lock?.leaseMs ?? 15_000) / 3));
  }

  /**
   * Renew the lock on its own timer (a rollout can outlast the lease); losing it is fatal. With a
   * heartbeat, the beats renew each host's record and this round asks only the hosts they missed
   * (a renewal that failed, a host new to the lock): every half renewal period, and no call
   * when there is none.
   */
  private startRenewer(): void {
    const lock = this.o.lock;
    if (lock === undefined || this.renewer !== undefined) return;
    const beats = this.heartbeat !== undefined;
    const stop = new AbortController();
    const done = (async () => {
      while (!stop.signal.aborted) {
        await this.time.sleep(beats ? this.renewEveryMs() / 2 : this.renewEveryMs(), stop.signal);
        if (stop.signal.aborted || this.refusal !== undefined || !lock.held) continue;
        try {
          const v = await this.reconciler.renewLock(beats ? lock.backstopMs : undefined);
          if (v !== undefined && !v.held) this.fatal(`stopping: ${describeVerdict(v)}`, v.holder);
        } catch (err) {
          this.logger.warn({ err: errorMessage(err) }, "cluster lock not renewed; retrying");
        }
      }
    })();
    this.renewer = { stop, done };
  }

  /** --once in a standby group: campaign until elected or two lease lifetimes have passed. */
  private async awaitLeadership(signal: AbortSignal): Promise<boolean> {
    const elector = this.elector;
    if (elector === undefined) return true;
    elector.start();
    const deadline = this.time.now() + 2 * (this.o.leaderElection?.timing.ttlMs ?? 5_000);
    while (!elector.mayAct() && this.time.now() < deadline && !signal.aborted)
      await this.time.sleep(100, signal);
    return elector.mayAct();
  }

  /**
   * Elected: act at once. Lost: stop for good, as Kubernetes' controllers do when their
   * lease is lost: the pass in flight is fenced call by call, its memory (holds, backoffs)
   * may be stale, so the process exits and its supervisor starts it again as a standby.
   */
  private leadershipChanged(c: LeadershipChange): void {
    for (const l of this.leadershipListeners) l(c);
    if (c.kind === "elected") {
      this.markDue(`elected leader (epoch ${c.term.epoch})`);
      return;
    }
    this.fatal(`leadership lost (epoch ${c.term.epoch}): ${c.reason}`);
  }

  private hostChanged(c: HealthChange): void {
    this.reconciler.journal.health(c);
    this.markDue(`host ${c.host}: ${c.probationEnded === true ? "probation over" : `${c.from} → ${c.to}`}`);
  }

  private healthSettingsDownAfter(): number {
    return (
      this.o.source.current().desired?.state.cluster.settings.hostDownAfterMs ?? INITIAL_HEALTH.downAfterMs
    );
  }
}
