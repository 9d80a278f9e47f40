// Backoff of the work that keeps failing for one replica, so a broken image or
// a port that cannot be bound is retried at 10 s, 20 s, 40s … up to 5 min
// (Kubernetes' ImagePullBackOff) instead of on every pass: image pulls per
// host and image, container creates and starts per slot. What waits is
// reported in status with its next retry time. Crash loops are timed by
// restartHolds (restarts.ts) from the restart history. In memory: after an
// operator restart each is tried once at once, then backs off again.

import { BackoffBook, REPLICA_BACKOFF } from "../../model/backoff.js";
import { slotKey } from "../../model/names.js";
import type { DesiredState } from "../../model/spec.js";
import type { WaitNote } from "../../status/index.js";
import type { RolloutResult } from "../../execute/index.js";
import { IMAGE_PULL_FAILED } from "../../execute/task.js";

interface PullDetail {
  readonly host: string;
  readonly image: string;
  readonly error: string;
}

interface StartDetail {
  readonly service: string;
  readonly slot: string;
  readonly host: string;
  readonly image: string;
  readonly error: string;
}

export class ReplicaBackoff {
  private readonly pulls: BackoffBook<PullDetail>;
  private readonly starts: BackoffBook<StartDetail>;

  constructor(random: () => number) {
    this.pulls = new BackoffBook(REPLICA_BACKOFF, random);
    this.starts = new BackoffBook(REPLICA_BACKOFF, random);
  }

  /** Take the pulls, creates and starts of an execution into account. */
  record(desired: DesiredState, rollouts: readonly RolloutResult[], now: number): void {
    const images = new Map(desired.services.map((s) => [s.name, s.image]));
    for (const r of rollouts) {
      for (const p of r.pulls ?? []) {
        const key = pullKey(p.host, p.image);
        if (p.error === undefined) this.pulls.succeeded(key);
        else this.pulls.failed(key, now, { host: p.host, image: p.image, error: p.error });
      }
      for (const t of r.tasks) {
        const key = slotKey(t.task.service, t.task.slot);
        const f = t.failure;
        if (t.status === "ok") this.starts.succeeded(key);
        else if (
          f !== undefined &&
          (f.step === "create" || f.step === "start") &&
          f.code !== IMAGE_PULL_FAILED
        ) {
          const image = images.get(t.task.service) ?? "";
          this.starts.failed(key, now, { ...slotOf(t.task), host: f.host, image, error: f.message });
        }
      }
    }
  }

  /** For PlanOptions.pullWaiting. */
  pullWaiting(now: number): (host: string, image: string) => boolean {
    return (host, image) => this.pulls.waiting(pullKey(host, image), now);
  }

  /** True when pulling `image` on `host` failed before (waiting, or due for its retry). */
  pullFailedBefore(host: string, image: string): boolean {
    return this.pulls.get(pullKey(host, image)) !== undefined;
  }

  /** slotKeys whose create or start waits (added to PlanOptions.holdRestart). */
  startsWaiting(now: number): string[] {
    return this.starts.pending(now).map(([k]) => k);
  }

  nextRetryAt(now: number): number | undefined {
    const a = this.pulls.nextRetryAt(now);
    const b = this.starts.nextRetryAt(now);
    return a === undefined ? b : b === undefined ? a : Math.min(a, b);
  }

  /** Per service, what waits for a retry: the slots of `waiting` pulls and failed starts. */
  notes(
    waiting: readonly { service: string; slot: string; host: string; image: string }[],
    now: number,
  ): Map<string, WaitNote[]> {
    const out = new Map<string, WaitNote[]>();
    const add = (service: string, n: WaitNote): void => {
      out.set(service, [...(out.get(service) ?? []), n]);
    };
    for (const w of waiting) {
      const e = this.pulls.get(pullKey(w.host, w.image));
      if (e === undefined) continue;
      add(w.service, {
        reason: "image-pull-failed",
        slot: w.slot,
        host: w.host,
        image: w.image,
        attempts: e.attempts,
        since: e.since,
        retryAt: e.retryAt,
        error: e.detail.error,
      });
    }
    for (const [, e] of this.starts.pending(now)) {
      const d = e.detail;
      add(d.service, {
        reason: "start-failed",
        slot: d.slot,
        host: d.host,
        image: d.image,
        attempts: e.attempts,
        since: e.since,
        retryAt: e.retryAt,
        error: d.error,
      });
    }
    return out;
  }

  /** Forget images no service uses and slots of services that are gone. */
  retain(desired: DesiredState): void {
    const images = new Set(desired.services.map((s) => s.image));
    const services = new Set(desired.services.map((s) => s.name));
    this.pulls.retain((_, e) => images.has(e.detail.image));
    this.starts.retain((_, e) => services.has(e.detail.service));
  }
}

function pullKey(host: string, image: string): string {
  return `${host}\u0000${image}`;
}

function slotOf(t: { service: string; slot: string }): { service: string; slot: string } {
  return { service: t.service, slot: t.slot };
}
