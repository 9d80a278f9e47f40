// One timer for the deadlines of many requests (the heartbeat's kept
// connections: 90 requests a second at 300 hosts). A timer per connection,
// moved to each request's deadline, fired after nearly every request (answered
// long before, it then found nothing to do): 90 timer callbacks a second, and
// a wake-up of the process for each group of them. Here a connection with a
// request out is queued; the one timer fires at the earliest deadline queued
// and sweeps the queue: answered requests leave it, late ones fail, the others
// wait for the next sweep. A request never fails before its deadline, and one
// not answered fails at it (to the timer's millisecond).

/** What the sweep asks of a queued connection. */
export interface Deadlined {
  /** When its request out fails (performance.now() ms); undefined when none is out. */
  deadlineAt(): number | undefined;
  /** Its request out is late: fail it. */
  expire(): void;
  /** Whether it is in a sweep's queue (kept by the sweep). */
  swept: boolean;
}

export class DeadlineSweep {
  private queue: Deadlined[] = [];
  /** The queue the last sweep emptied, reused by the next (no array made per sweep). */
  private spare: Deadlined[] = [];
  private timer: NodeJS.Timeout | undefined;
  private armedAt = Infinity;

  /** `c` has a request out until `at` (performance.now() ms). */
  watch(c: Deadlined, at: number): void {
    if (!c.swept) {
      c.swept = true;
      this.queue.push(c);
    }
    if (at < this.armedAt) this.arm(at);
  }

  /** Requests queued (answered or not) until the next sweep: for tests. */
  get queued(): number {
    return this.queue.length;
  }

  private arm(at: number): void {
    clearTimeout(this.timer);
    this.armedAt = at;
    // Never early: a timer may fire up to a millisecond before performance.now() reaches `at`
    // (it counts from the event loop's cached time); the sweep then waits again.
    this.timer = setTimeout(this.sweep, Math.max(1, Math.ceil(at - performance.now())));
    // A request's socket holds the process while it waits; the timer alone does not.
    this.timer.unref();
  }

  private readonly sweep = (): void => {
    this.timer = undefined;
    this.armedAt = Infinity;
    const now = performance.now();
    const due = this.queue;
    this.queue = this.spare;
    let next = Infinity;
    for (const c of due) {
      const at = c.deadlineAt();
      if (at !== undefined && at > now) {
        this.queue.push(c);
        next = Math.min(next, at);
        continue;
      }
      c.swept = false;
      if (at !== undefined) c.expire(); // may queue it again (a new request): then after this loop
    }
    due.length = 0;
    this.spare = due;
    if (next < this.armedAt) this.arm(next);
  };
}
