import { describe, expect, it } from "vitest";
import { MOVE_WINDOW_MS, MoveBudget } from "../../../src/reconcile/memory/move-budget.js";
import type { Move, MoveCode, Placement, ServicePlacement } from "../../../src/schedule/types.js";

/** One replicated service whose slots 1..n run on `from` and are placed on `to` (a move each). */
function moving(service: string, n: number, code: MoveCode, from = "h1", to = "h2"): ServicePlacement {
  const moves: Move[] = [];
  const slots = new Map<string, string>();
  for (let i = 1; i <= n; i++) {
    slots.set(String(i), to);
    moves.push({ slot: String(i), from, to, code, reason: `${code} of ${service}/${i}` });
  }
  return { service, mode: "replicated", slots, moves };
}

function placementOf(...services: ServicePlacement[]): Placement {
  return { services: new Map(services.map((s) => [s.service, s])), unschedulable: [] };
}

const T0 = 1_700_000_000_000;

describe("the move budget", () => {
  it("lets at most the limit of voluntary moves through and keeps the rest on their current host", () => {
    const budget = new MoveBudget(3);
    const r = budget.throttle(placementOf(moving("web", 5, "rebalance")), T0);
    expect(r.deferred.map((d) => d.move.slot)).toEqual(["4", "5"]);
    const web = r.placement.services.get("web");
    expect([...(web?.slots ?? [])]).toEqual([
      ["1", "h2"],
      ["2", "h2"],
      ["3", "h2"],
      ["4", "h1"],
      ["5", "h1"],
    ]);
    expect(web?.moves.map((m) => m.slot)).toEqual(["1", "2", "3"]);
    expect(r.releaseAt).toBe(T0 + MOVE_WINDOW_MS);
    expect(budget.remaining(T0)).toBe(0);
  });

  it("returns the placement untouched when the budget suffices", () => {
    const budget = new MoveBudget(10);
    const p = placementOf(moving("web", 2, "host-draining"), moving("api", 3, "rebalance"));
    const r = budget.throttle(p, T0);
    expect(r.placement).toBe(p);
    expect(r.deferred).toEqual([]);
    expect(r.releaseAt).toBeUndefined();
    expect(budget.remaining(T0)).toBe(5);
  });

  it("never holds back moves off a down host, but counts them against later voluntary moves", () => {
    const budget = new MoveBudget(2);
    const failover = budget.throttle(placementOf(moving("web", 4, "host-down")), T0);
    expect(failover.deferred).toEqual([]);
    expect(failover.placement.services.get("web")?.moves).toHaveLength(4);
    // The host returns 10 s later and rebalancing wants to move replicas back: the budget is spent.
    const back = budget.throttle(placementOf(moving("web", 2, "rebalance", "h2", "h1")), T0 + 10_000);
    expect(back.deferred).toHaveLength(2);
    expect([...(back.placement.services.get("web")?.slots.values() ?? [])]).toEqual(["h2", "h2"]);
  });

  it("slides: moves leave the window one minute after they were counted", () => {
    const budget = new MoveBudget(4);
    budget.spend(T0, 2);
    budget.spend(T0 + 20_000, 2);
    expect(budget.remaining(T0 + 59_999)).toBe(0);
    expect(budget.nextRelease(T0 + 59_999)).toBe(T0 + MOVE_WINDOW_MS);
    expect(budget.remaining(T0 + MOVE_WINDOW_MS)).toBe(2);
    expect(budget.remaining(T0 + 20_000 + MOVE_WINDOW_MS)).toBe(4);
    expect(budget.nextRelease(T0 + 20_000 + MOVE_WINDOW_MS)).toBeUndefined();
  });

  it("defers, then releases the deferred moves once the window has room", () => {
    const budget = new MoveBudget(2);
    const wanted = (): Placement => placementOf(moving("web", 3, "rebalance"));
    const first = budget.throttle(wanted(), T0);
    expect(first.deferred.map((d) => d.move.slot)).toEqual(["3"]);
    // A later pass within the minute: the first two moved, the scheduler still wants slot 3 moved.
    const stillWanted = placementOf(moving("web", 1, "rebalance"));
    const again = budget.throttle(stillWanted, T0 + 30_000);
    expect(again.deferred).toHaveLength(1);
    expect(again.releaseAt).toBe(T0 + MOVE_WINDOW_MS);
    // At releaseAt the pass the reconciler scheduled lets it through.
    const released = budget.throttle(stillWanted, again.releaseAt ?? 0);
    expect(released.deferred).toEqual([]);
    expect(released.placement.services.get("web")?.moves).toHaveLength(1);
  });

  it("follows a new limit from the cluster settings", () => {
    const budget = new MoveBudget(1);
    budget.spend(T0, 1);
    expect(budget.remaining(T0)).toBe(0);
    budget.configure(5);
    expect(budget.remaining(T0)).toBe(4);
  });

  it("does not count evictions that found no host (they are reported as unschedulable)", () => {
    const budget = new MoveBudget(1);
    const evicted: ServicePlacement = {
      service: "db",
      mode: "replicated",
      slots: new Map(),
      moves: [{ slot: "1", from: "h1", code: "insufficient-memory", reason: "insufficient memory" }],
    };
    const r = budget.throttle(placementOf(evicted, moving("web", 1, "host-draining")), T0);
    expect(r.deferred).toEqual([]);
    expect(budget.remaining(T0)).toBe(0);
  });
});
