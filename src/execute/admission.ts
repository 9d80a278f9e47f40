// How many replica tasks run at once. A rollout with `parallelism: 0` asks
// for every task of its batch together, and a deploy asks for every
// rollout's: at 1,000 hosts 10,000 tasks, each of which (once started) holds
// its steps' promises, closures, timers and built requests while it waits in
// its host's call lanes. A task now takes a slot before its first step: at
// most `perHost` on one host (the host's write lane is that wide by default:
// more would only queue there) and `total` in the fleet; the others wait as
// a queued callback. Per host first come first served; between hosts round
// robin (a host with many waiting tasks does not hold back the others).
// Admission only delays a task's start: batches, their order and delays,
// failure ratios and rollbacks are the rollout's as before.

/** Tasks running at once on one host (the default Docker concurrency, the width of its write lane). */
export const TASKS_PER_HOST = 4;
/**
 * Tasks running at once in the fleet: as many as the fleet's Docker calls in flight (FLEET_CALLS),
 * since a task has one call in flight at a time and more would only wait at that limiter, each with
 * its call's deadline timer, abort controller and frames. Measured by the fleet-scale bench at
 * 1,000 hosts (bench/RESULTS.md): 2,048 peaked at 377–380 MiB of RSS and 210 MiB of heap in use
 * with a 34–40 s deploy, 512 at 351 MiB and 169 MiB with a 30 s deploy.
 */
export const FLEET_TASKS = 512;

/** Releases the slot (once; later calls do nothing). */
export type Release = () => void;

interface HostQueue {
  readonly host: string;
  active: number;
  /** Each waiting task's resolve, first come first served. */
  readonly waiting: Array<(release: Release) => void>;
  /** In the ready ring (has waiting tasks and room on the host). */
  ready: boolean;
}

const NOOP: Release = () => undefined;

export interface AdmissionLimits {
  /** Tasks running at once on one host (default TASKS_PER_HOST). */
  readonly perHost?: number;
  /** Tasks running at once in the fleet (default FLEET_TASKS). */
  readonly total?: number;
}

export class TaskAdmission {
  readonly perHost: number;
  readonly total: number;
  private active = 0;
  private waitingCount = 0;
  private readonly hosts = new Map<string, HostQueue>();
  /** Hosts with a waiting task and room of their own, in round-robin order. */
  private ring: HostQueue[] = [];
  private ringHead = 0;

  /**
   * When `signal` aborts, every waiting task is let go at once without a slot (it then sees the
   * abort before its first step, as it would have unbounded); later tasks are not held either.
   * One listener on the signal, not one per waiting task.
   */
  constructor(
    limits: AdmissionLimits = {},
    private readonly signal?: AbortSignal,
  ) {
    this.perHost = limits.perHost ?? TASKS_PER_HOST;
    this.total = limits.total ?? FLEET_TASKS;
    if (
      !Number.isInteger(this.perHost) ||
      this.perHost < 1 ||
      !Number.isInteger(this.total) ||
      this.total < 1
    )
      throw new RangeError("task admission limits must be positive integers");
    signal?.addEventListener("abort", () => this.letAllGo(), { once: true });
  }

  /** Tasks holding a slot now. */
  get running(): number {
    return this.active;
  }

  /** Tasks waiting for a slot now. */
  get queued(): number {
    return this.waitingCount;
  }

  /** Resolves with the slot's release once a task on `host` may start. */
  admit(host: string): Promise<Release> {
    if (this.signal?.aborted === true) return Promise.resolve(NOOP);
    const q = this.queueOf(host);
    // Nobody waits before it: on its host (first come first served), nor in the fleet (the ring).
    if (q.waiting.length === 0 && q.active < this.perHost && this.active < this.total && !this.anyReady())
      return Promise.resolve(this.take(q));
    return new Promise<Release>((resolve) => {
      q.waiting.push(resolve);
      this.waitingCount++;
      this.markReady(q);
      this.dispatch();
    });
  }

  /**
   * Runs `work` once a slot on `host` is granted and gives the slot back when it settles. Nothing
   * of the work exists before: while it waits it is this function in its host's queue (no started
   * async frames, timers or built requests), which is what lets thousands wait cheaply.
   */
  run<T>(host: string, work: () => Promise<T>): Promise<T> {
    return this.admit(host).then((release) => {
      let p: Promise<T>;
      try {
        p = work();
      } catch (err) {
        release();
        throw err;
      }
      return p.finally(release);
    });
  }

  private anyReady(): boolean {
    return this.ringHead < this.ring.length;
  }

  private queueOf(host: string): HostQueue {
    let q = this.hosts.get(host);
    if (q === undefined) {
      q = { host, active: 0, waiting: [], ready: false };
      this.hosts.set(host, q);
    }
    return q;
  }

  private take(q: HostQueue): Release {
    q.active++;
    this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      q.active--;
      this.active--;
      this.markReady(q);
      this.forget(q);
      this.dispatch();
    };
  }

  private markReady(q: HostQueue): void {
    if (q.ready || q.waiting.length === 0 || q.active >= this.perHost) return;
    q.ready = true;
    this.ring.push(q);
  }

  /** Grants slots while the fleet has room: one task per ready host in turn. */
  private dispatch(): void {
    while (this.active < this.total && this.anyReady()) {
      const q = this.ring[this.ringHead++] as HostQueue;
      q.ready = false;
      const next = q.waiting.shift();
      if (next === undefined) {
        this.forget(q);
        continue;
      }
      this.waitingCount--;
      next(this.take(q));
      this.markReady(q); // to the back of the ring if it has more waiting and room
    }
    if (this.ringHead > 0 && this.ringHead * 2 >= this.ring.length) {
      this.ring = this.ring.slice(this.ringHead);
      this.ringHead = 0;
    }
  }

  private letAllGo(): void {
    const all = [...this.hosts.values()];
    this.ring = [];
    this.ringHead = 0;
    for (const q of all) {
      q.ready = false;
      for (const resolve of q.waiting.splice(0)) resolve(NOOP);
      this.forget(q);
    }
    this.waitingCount = 0;
  }

  /** A host with nothing running and nothing waiting is dropped (hosts come and go). */
  private forget(q: HostQueue): void {
    if (q.active === 0 && q.waiting.length === 0 && !q.ready && this.hosts.get(q.host) === q)
      this.hosts.delete(q.host);
  }
}

/**
 * A task's hold on a slot of its host. A health gate only waits (a poll of the host's listing now
 * and then, no call of its own in the lanes), so the slot is given back for it and taken again
 * after: otherwise four replicas waiting out a long start_period would hold back every other
 * replica of their host, and a deploy of health-checked services would go in waves.
 */
export class TaskSlot {
  constructor(
    private readonly admission: TaskAdmission | undefined,
    private readonly host: string,
    /** The slot already granted to the task, if it was admitted before it started. */
    private release?: Release,
  ) {}

  /** Holds a slot (waits for one unless already held; nothing without an admission). */
  async take(): Promise<void> {
    if (this.admission === undefined || this.release !== undefined) return;
    this.release = await this.admission.admit(this.host);
  }

  /** Gives the slot back, if held. */
  give(): void {
    const release = this.release;
    this.release = undefined;
    release?.();
  }
}
