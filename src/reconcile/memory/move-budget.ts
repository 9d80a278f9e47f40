// Flap protection: at most `limit` moves of replicas per rolling minute,
// cluster-wide, so a host going up and down cannot cause a storm of moves.
//
// The choice: every move is counted, but only voluntary moves are throttled.
// A move off a host that is down (code "host-down") restores availability and
// is never held back: failover must stay fast. Every other move (rebalance
// when a host returns, drain, constraint, capacity, host removed) leaves a
// replica that still runs where it is, so deferring it costs nothing but
// time. A deferred move keeps its slot on the current host for this pass and
// is planned again by a later pass once the window has room.
// Pure: the caller passes the time.

import type { Move, Placement, ServicePlacement } from "../../schedule/types.js";

export const MOVE_WINDOW_MS = 60_000;

export interface DeferredMove {
  readonly service: string;
  readonly move: Move;
}

export interface ThrottleResult {
  /** The placement with deferred moves undone (their slots stay on their current host). */
  readonly placement: Placement;
  readonly deferred: readonly DeferredMove[];
  /** When the window next has room (ms since epoch); undefined when nothing was deferred. */
  readonly releaseAt?: number;
}

export class MoveBudget {
  /** Times of the counted moves, oldest first. */
  private spent: number[] = [];

  constructor(
    private limit: number,
    private readonly windowMs = MOVE_WINDOW_MS,
  ) {}

  /** The limit follows the cluster settings of the current commit. */
  configure(limit: number): void {
    this.limit = limit;
  }

  /** Moves still allowed at `now`. */
  remaining(now: number): number {
    this.expire(now);
    return Math.max(0, this.limit - this.spent.length);
  }

  /** When the oldest counted move leaves the window, or undefined when the window is empty. */
  nextRelease(now: number): number | undefined {
    this.expire(now);
    const oldest = this.spent[0];
    return oldest === undefined ? undefined : oldest + this.windowMs;
  }

  spend(now: number, count: number): void {
    this.expire(now);
    for (let i = 0; i < count; i++) this.spent.push(now);
  }

  /**
   * Counts the placement's moves and undoes the voluntary ones beyond the budget.
   * Moves restoring availability come first and always pass; voluntary moves take what is left in order.
   */
  throttle(placement: Placement, now: number): ThrottleResult {
    const moves = [...placement.services.values()].flatMap((sp) =>
      sp.moves.filter((m) => m.to !== undefined).map((move) => ({ service: sp.service, move })),
    );
    const urgent = moves.filter((m) => m.move.code === "host-down");
    const voluntary = moves.filter((m) => m.move.code !== "host-down");
    this.spend(now, urgent.length);
    const allowed = Math.min(voluntary.length, this.remaining(now));
    this.spend(now, allowed);
    const deferred = voluntary.slice(allowed);
    if (deferred.length === 0) return { placement, deferred };
    const releaseAt = this.nextRelease(now) ?? now;
    return { placement: undo(placement, deferred), deferred, releaseAt };
  }

  private expire(now: number): void {
    const cutoff = now - this.windowMs;
    let drop = 0;
    while (drop < this.spent.length && (this.spent[drop] ?? 0) <= cutoff) drop++;
    if (drop > 0) this.spent = this.spent.slice(drop);
  }
}

/** Puts every deferred slot back on the host it runs on now. */
function undo(placement: Placement, deferred: readonly DeferredMove[]): Placement {
  const services = new Map<string, ServicePlacement>();
  for (const [name, sp] of placement.services) {
    const mine = deferred.filter((d) => d.service === name).map((d) => d.move);
    if (mine.length === 0) {
      services.set(name, sp);
      continue;
    }
    const slots = new Map(sp.slots);
    // The slot is a key already: set keeps the scheduler's slot order.
    for (const m of mine) slots.set(m.slot, m.from);
    services.set(name, { ...sp, slots, moves: sp.moves.filter((m) => !mine.includes(m)) });
  }
  return { ...placement, services };
}
