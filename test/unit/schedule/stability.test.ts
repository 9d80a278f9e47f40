import { describe, expect, it } from "vitest";
import { schedule } from "../../../src/schedule/index.js";
import { desiredState, GiB, host, observedCluster, replica, service } from "../../support/fixtures.js";
import { convergedReplicas, countsOf, servicePlacement, slotsOf } from "../../support/placement.js";

describe("stability", () => {
  it("keeps a running valid replica where it is even when another host scores better", () => {
    const api = service("api", { replicas: 2 });
    const hosts = [host("h1"), host("h2"), host("h3")];
    const p = schedule(
      desiredState(hosts, [api]),
      observedCluster(hosts, [replica(api, "1", "h3"), replica(api, "2", "h3")]),
    );
    expect(slotsOf(p, "api")).toEqual({ "1": "h3", "2": "h3" });
    expect(servicePlacement(p, "api").moves).toEqual([]);
  });

  it("keeps a replica whose spec changed on its host (the planner updates it in place)", () => {
    const api = service("api", { replicas: 1, specHash: "new00000" });
    const hosts = [host("h1"), host("h2")];
    const p = schedule(
      desiredState(hosts, [api]),
      observedCluster(hosts, [replica(api, "1", "h2", { specHash: "old" })]),
    );
    expect(slotsOf(p, "api")).toEqual({ "1": "h2" });
  });

  it("moves nothing when a host joins", () => {
    const hosts = [host("h1"), host("h2")];
    const d = desiredState(hosts, [
      service("api", { replicas: 5 }),
      service("web", { replicas: 3, memory: GiB }),
    ]);
    const p = schedule(d, observedCluster(hosts, []));
    const bigger = [...hosts, host("h3")];
    const q = schedule(desiredState(bigger, d.services), observedCluster(bigger, convergedReplicas(d, p)));
    expect(slotsOf(q, "api")).toEqual(slotsOf(p, "api"));
    expect(slotsOf(q, "web")).toEqual(slotsOf(p, "web"));
  });

  it("moves nothing of other services when one service changes", () => {
    const hosts = [host("h1"), host("h2"), host("h3")];
    const d = desiredState(hosts, [service("api", { replicas: 4 }), service("web", { replicas: 2 })]);
    const p = schedule(d, observedCluster(hosts, []));
    const changed = desiredState(hosts, [
      service("api", { replicas: 9, specHash: "v2" }),
      service("web", { replicas: 2 }),
    ]);
    const q = schedule(changed, observedCluster(hosts, convergedReplicas(d, p)));
    expect(slotsOf(q, "web")).toEqual(slotsOf(p, "web"));
    for (const [slot, h] of Object.entries(slotsOf(p, "api"))) expect(slotsOf(q, "api")[slot]).toBe(h);
  });

  it("moves replicas off a host that is down, with the reason", () => {
    const api = service("api", { replicas: 2 });
    const hosts = [host("h1", { state: "down" }), host("h2"), host("h3")];
    const p = schedule(
      desiredState(hosts, [api]),
      observedCluster(hosts, [replica(api, "1", "h1"), replica(api, "2", "h2")]),
    );
    expect(slotsOf(p, "api")).toEqual({ "1": "h3", "2": "h2" });
    expect(servicePlacement(p, "api").moves).toEqual([
      { slot: "1", from: "h1", to: "h3", code: "host-down", reason: "host h1 is down" },
    ]);
  });

  it("leaves replicas on a host that is only unknown (not yet declared down)", () => {
    const api = service("api");
    const hosts = [host("h1", { state: "unknown" }), host("h2")];
    const p = schedule(desiredState(hosts, [api]), observedCluster(hosts, [replica(api, "1", "h1")]));
    expect(slotsOf(p, "api")).toEqual({ "1": "h1" });
  });

  it("moves replicas off a draining host", () => {
    const api = service("api");
    const hosts = [host("h1", { drain: true }), host("h2")];
    const p = schedule(desiredState(hosts, [api]), observedCluster(hosts, [replica(api, "1", "h1")]));
    expect(servicePlacement(p, "api").moves).toEqual([
      { slot: "1", from: "h1", to: "h2", code: "host-draining", reason: "host h1 is draining" },
    ]);
  });

  it("moves replicas whose constraint no longer holds", () => {
    const api = service("api", { constraints: ["node.labels.zone == b"] });
    const hosts = [host("h1", { labels: { zone: "a" } }), host("h2", { labels: { zone: "b" } })];
    const p = schedule(desiredState(hosts, [api]), observedCluster(hosts, [replica(api, "1", "h1")]));
    expect(servicePlacement(p, "api").moves).toEqual([
      {
        slot: "1",
        from: "h1",
        to: "h2",
        code: "constraint",
        reason: "constraint node.labels.zone == b no longer holds on h1",
      },
    ]);
  });

  it("scales down by dropping the highest slots", () => {
    const api = service("api", { replicas: 2 });
    const hosts = [host("h1"), host("h2")];
    const running = ["1", "2", "3", "4"].map((s, i) => replica(api, s, i % 2 === 0 ? "h1" : "h2"));
    const p = schedule(desiredState(hosts, [api]), observedCluster(hosts, running));
    expect(slotsOf(p, "api")).toEqual({ "1": "h1", "2": "h2" });
  });

  it("of two containers for one slot, anchors on the current spec, then the healthy one, then the newest", () => {
    const api = service("api", { specHash: "new00000" });
    const hosts = [host("h1"), host("h2"), host("h3")];
    const cases = [
      { reps: [replica(api, "1", "h1", { specHash: "old" }), replica(api, "1", "h2")], want: "h2" },
      {
        reps: [replica(api, "1", "h1", { state: "exited", exitCode: 1 }), replica(api, "1", "h2")],
        want: "h2",
      },
      {
        reps: [replica(api, "1", "h1", { createdAt: 5 }), replica(api, "1", "h3", { createdAt: 9 })],
        want: "h3",
      },
    ];
    for (const c of cases) {
      const p = schedule(desiredState(hosts, [api]), observedCluster(hosts, c.reps));
      expect(slotsOf(p, "api")).toEqual({ "1": c.want });
    }
  });

  it("prefers a copy on a healthy host over a better copy on a down host", () => {
    const api = service("api", { specHash: "new00000" });
    const hosts = [host("h1", { state: "down" }), host("h2")];
    const p = schedule(
      desiredState(hosts, [api]),
      observedCluster(hosts, [replica(api, "1", "h1"), replica(api, "1", "h2", { specHash: "old" })]),
    );
    expect(slotsOf(p, "api")).toEqual({ "1": "h2" });
    expect(servicePlacement(p, "api").moves).toEqual([]);
  });
});

describe("rebalancing", () => {
  const api = service("api", { replicas: 4 });
  const stacked = [
    replica(api, "1", "h1"),
    replica(api, "2", "h1"),
    replica(api, "3", "h2"),
    replica(api, "4", "h2"),
  ];
  const hosts = [host("h1"), host("h2"), host("h3"), host("h4")];

  it("is off by default: a new host stays empty", () => {
    const p = schedule(desiredState(hosts, [api]), observedCluster(hosts, stacked));
    expect(countsOf(p, "api")).toEqual({ h1: 2, h2: 2 });
  });

  it("moves one replica of a service per pass to the emptiest host, highest slot first", () => {
    const d = desiredState(hosts, [api], { rebalance: true });
    const p = schedule(d, observedCluster(hosts, stacked));
    expect(servicePlacement(p, "api").moves).toEqual([
      {
        slot: "4",
        from: "h2",
        to: "h3",
        code: "rebalance",
        reason: "rebalance: h2 has 2 replicas, h3 has 0",
      },
    ]);
    // The next pass, after the move, moves the next one.
    const after = stacked.map((r) => (r.slot === "4" ? replica(api, "4", "h3") : r));
    const q = schedule(d, observedCluster(hosts, after));
    expect(servicePlacement(q, "api").moves.map((m) => [m.slot, m.from, m.to])).toEqual([["2", "h1", "h4"]]);
  });

  it("stops when the spread is even (skew at most 1)", () => {
    const d = desiredState(hosts, [service("api", { replicas: 5 })], { rebalance: true });
    const even = ["h1", "h2", "h3", "h4", "h1"].map((h, i) => replica(api, String(i + 1), h));
    expect(servicePlacement(schedule(d, observedCluster(hosts, even)), "api").moves).toEqual([]);
  });

  it("waits while any replica of the service is unhealthy or out of date", () => {
    const d = desiredState(hosts, [api], { rebalance: true });
    const sick = stacked.map((r) => (r.slot === "1" ? { ...r, health: "unhealthy" as const } : r));
    expect(servicePlacement(schedule(d, observedCluster(hosts, sick)), "api").moves).toEqual([]);
    const old = stacked.map((r) => (r.slot === "1" ? { ...r, specHash: "old" } : r));
    expect(servicePlacement(schedule(d, observedCluster(hosts, old)), "api").moves).toEqual([]);
  });

  it("bounds the moves per pass over all services", () => {
    const names = ["a", "b", "c"];
    const specs = names.map((n) => service(n, { replicas: 2 }));
    const reps = specs.flatMap((s) => [replica(s, "1", "h1"), replica(s, "2", "h1")]);
    const d = desiredState(hosts, specs, { rebalance: true });
    const p = schedule(d, observedCluster(hosts, reps), { rebalanceLimit: 2 });
    const moved = names.map((n) => servicePlacement(p, n).moves.length);
    expect(moved).toEqual([1, 1, 0]);
  });

  it("restores spread over zones with preferences", () => {
    const zoned = [
      host("a1", { labels: { zone: "a" } }),
      host("a2", { labels: { zone: "a" } }),
      host("b1", { labels: { zone: "b" } }),
    ];
    const svc = service("api", { replicas: 2, spread: ["node.labels.zone"] });
    const d = desiredState(zoned, [svc], { rebalance: true });
    const p = schedule(d, observedCluster(zoned, [replica(svc, "1", "a1"), replica(svc, "2", "a2")]));
    expect(servicePlacement(p, "api").moves.map((m) => [m.slot, m.from, m.to])).toEqual([["2", "a2", "b1"]]);
  });
});
