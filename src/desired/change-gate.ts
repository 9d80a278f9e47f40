// Change control on the operator's side: a new desired commit waits while the
// operator is suspended (`gitfleet suspend`, a switch in its work_dir that
// survives restarts) or while a deny window of the applied cluster.yaml is
// open. Only new commits wait: the pass keeps reconciling the commit applied
// before, so healing and failover go on, and the waiting commit is let through
// at the first poll after the switch is off and no window is open. Status
// names the waiting commit and why (SourceSnapshot.waiting).
//
// The switch may live in more than one place (the work_dir file; with standby
// operators also a key in etcd; src/model/suspend.ts says what they mean
// together). It is read on every poll, so status says the fleet is suspended
// even with no commit waiting (SourceSnapshot.suspension). A switch that is
// unknown must never let a commit through, so the gate fails closed: the new
// commit waits, named with why, while the applied one keeps being reconciled.
//
// The windows in force are those of the applied commit: a commit cannot lift
// the freeze it arrives in. A rejected tip is passed on as it is (nothing of
// it is applied either way).

import type { SuspendState } from "../model/suspend.js";
import { openWindow } from "../model/sync-window.js";
import type { CommitInfo, DesiredSource, SourceSnapshot, WaitingCommit } from "../ports/index.js";
import type { Clock } from "../ports/time.js";
import { isoTime } from "../status/format.js";

export type { SuspendNote } from "../model/suspend.js";

export interface ChangeGateOptions {
  readonly clock: Clock;
  /**
   * The operator-side switch, read on every poll (status says the fleet is suspended even with
   * no commit waiting). Unknown, or a rejection, means it could not be read: a new commit waits.
   */
  readonly suspended: () => Promise<SuspendState>;
  /**
   * The commit the status branch records as desired, loaded: after a restart, the commit a
   * closed gate keeps applying (without it a restarted operator would apply the newest commit).
   */
  readonly resume?: () => Promise<Desired | undefined>;
}

export type Desired = NonNullable<SourceSnapshot["desired"]>;

export class ChangeGate implements DesiredSource {
  /** The commit applied (let through) last. */
  private admitted: Desired | undefined;
  private waiting: WaitingCommit | undefined;
  private last: SourceSnapshot | undefined;
  private resumed = false;

  constructor(
    private readonly inner: DesiredSource,
    private readonly o: ChangeGateOptions,
  ) {}

  async poll(): Promise<SourceSnapshot> {
    const snap = { ...(await this.inner.poll()), suspension: await this.readSwitch() };
    const next = snap.desired;
    if (this.admitted === undefined && next !== undefined && !this.resumed) {
      this.resumed = true;
      const recorded = await this.o.resume?.().catch(() => undefined);
      if (recorded !== undefined && recorded.commit !== next.commit) this.admitted = recorded;
    }
    if (next === undefined || this.admitted === undefined || next.commit === this.admitted.commit) {
      // The first commit, or the same one (its state may be fresher: secret digests): through.
      return this.pass(snap, next, snap.changed);
    }
    const reason = this.holdReason(this.o.clock.now(), snap.suspension);
    if (reason === undefined) return this.pass(snap, next, true);
    const since = this.waiting?.commit.commit === next.commit ? this.waiting.since : this.o.clock.now();
    this.waiting = { commit: commitInfo(next), reason, since };
    const held: SourceSnapshot = { ...snap, desired: this.admitted, changed: false, waiting: this.waiting };
    this.last = held;
    return held;
  }

  current(): SourceSnapshot {
    return this.last ?? this.inner.current();
  }

  private async readSwitch(): Promise<SuspendState> {
    try {
      return await this.o.suspended();
    } catch (err) {
      const code = (err as { code?: unknown } | null)?.code;
      return {
        state: "unknown",
        code: typeof code === "string" ? code : "internal",
        error: errorText(err),
        holds: [],
      };
    }
  }

  /** Why a new commit waits now; undefined when it may be applied. */
  private holdReason(now: number, suspension: SuspendState): string | undefined {
    if (suspension.state === "unknown")
      return `the suspend switch could not be read (${suspension.error}): new commits wait until it can be`;
    const note = suspension.state === "suspended" ? suspension.holds[0]?.note : undefined;
    if (note !== undefined) {
      const who = note.by !== undefined ? ` by ${note.by}` : "";
      const when = note.at !== undefined ? ` at ${isoTime(note.at)}` : "";
      return `suspended${who}${when}${note.reason !== undefined ? `: ${note.reason}` : ""} (gitfleet resume lets it through)`;
    }
    const open = openWindow(this.admitted?.state.cluster.syncWindows ?? [], now);
    if (open === undefined) return undefined;
    const what = open.window.description !== undefined ? ` (${open.window.description})` : "";
    const zone = open.window.timeZone !== undefined ? ` in ${open.window.timeZone}` : "";
    return `deny window "${open.window.schedule}"${zone}${what} open until ${isoTime(open.closesAt)}`;
  }

  private pass(snap: SourceSnapshot, next: Desired | undefined, changed: boolean): SourceSnapshot {
    if (next !== undefined) this.admitted = next;
    this.waiting = undefined;
    const out = changed === snap.changed ? snap : { ...snap, changed };
    this.last = out;
    return out;
  }
}

function commitInfo(d: Desired): CommitInfo {
  return { commit: d.commit, author: d.author, message: d.message, timestamp: d.timestamp };
}

function errorText(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  return typeof code === "string" ? `${code}: ${message}` : message;
}
