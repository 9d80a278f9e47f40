import { describe, expect, it } from "vitest";
import { schedule } from "../../../src/schedule/index.js";
import {
  desiredState,
  GiB,
  host,
  observedCluster,
  replica,
  service,
  type TestHost,
} from "../../support/fixtures.js";
import { countsOf, servicePlacement, slotsOf } from "../../support/placement.js";

type Services = Parameters<typeof desiredState>[1];
type Replicas = Parameters<typeof observedCluster>[1];

function run(hosts: readonly TestHost[], services: Services, replicas: Replicas = []) {
  return schedule(desiredState(hosts, services), observedCluster(hosts, replicas));
}

describe("score: spread replicas of a service", () => {
  it("spreads evenly, fewest of this service first", () => {
    const p = run([host("h1"), host("h2"), host("h3")], [service("api", { replicas: 7 })]);
    expect(countsOf(p, "api")).toEqual({ h1: 3, h2: 2, h3: 2 });
  });

  it("sends new replicas to the hosts that hold fewest of the service", () => {
    const api = service("api", { replicas: 4 });
    const p = run(
      [host("h1"), host("h2"), host("h3")],
      [api],
      [replica(api, "1", "h1"), replica(api, "2", "h1")],
    );
    expect(slotsOf(p, "api")).toEqual({ "1": "h1", "2": "h1", "3": "h2", "4": "h3" });
  });

  it("prefers spreading the service over packing the least allocated host", () => {
    const big = service("big", { memory: 6 * GiB });
    const p = run(
      [host("h1"), host("h2")],
      [big, service("api", { replicas: 2, memory: 1 * GiB })],
      [replica(big, "1", "h1")],
    );
    expect(countsOf(p, "api")).toEqual({ h1: 1, h2: 1 });
  });
});

describe("score: least allocated", () => {
  it("places on the host with the smaller reserved fraction", () => {
    const db = service("db", { memory: 4 * GiB, cpus: 2 });
    const p = run(
      [host("h1"), host("h2")],
      [db, service("api", { memory: 1 * GiB })],
      [replica(db, "1", "h1")],
    );
    expect(slotsOf(p, "api")).toEqual({ "1": "h2" });
  });

  it("counts the fraction of the host, not absolute amounts", () => {
    // h1: 2 of 16 GiB used (12.5%); h2: 1 of 4 GiB used (25%).
    const a = service("a", { memory: 2 * GiB });
    const b = service("b", { memory: 1 * GiB });
    const hosts = [host("h1", { memory: 16 * GiB }), host("h2", { memory: 4 * GiB })];
    const p = run(hosts, [a, b, service("c")], [replica(a, "1", "h1"), replica(b, "1", "h2")]);
    expect(slotsOf(p, "c")).toEqual({ "1": "h1" });
  });

  it("without reservations, fewest replicas in total wins", () => {
    const other = service("other", { replicas: 2 });
    const p = run(
      [host("h1"), host("h2")],
      [other, service("api")],
      [replica(other, "1", "h1"), replica(other, "2", "h1")],
    );
    expect(slotsOf(p, "api")).toEqual({ "1": "h2" });
  });

  it("breaks a full tie by host name", () => {
    const p = run([host("b"), host("c"), host("a")], [service("api")]);
    expect(slotsOf(p, "api")).toEqual({ "1": "a" });
  });
});

describe("score: placement.preferences spread over a label", () => {
  const zones = [
    host("h1", { labels: { zone: "a" } }),
    host("h2", { labels: { zone: "a" } }),
    host("h3", { labels: { zone: "a" } }),
    host("h4", { labels: { zone: "b" } }),
  ];

  it("spreads over zones before hosts", () => {
    const p = run(zones, [service("api", { replicas: 4, spread: ["node.labels.zone"] })]);
    expect(countsOf(p, "api")).toEqual({ h1: 1, h2: 1, h4: 2 });
  });

  it("without the preference, spreads over hosts only", () => {
    const p = run(zones, [service("api", { replicas: 4 })]);
    expect(countsOf(p, "api")).toEqual({ h1: 1, h2: 1, h3: 1, h4: 1 });
  });

  it("treats hosts without the label as one more group, as Swarm does", () => {
    const hosts = [...zones, host("h5"), host("h6")];
    const p = run(hosts, [service("api", { replicas: 6, spread: ["node.labels.zone"] })]);
    const c = countsOf(p, "api");
    expect((c.h1 ?? 0) + (c.h2 ?? 0) + (c.h3 ?? 0)).toBe(2);
    expect(c.h4).toBe(2);
    expect((c.h5 ?? 0) + (c.h6 ?? 0)).toBe(2);
  });

  it("nests several preferences: zone first, then rack within the zone", () => {
    const hosts = [
      host("h1", { labels: { zone: "a", rack: "r1" } }),
      host("h2", { labels: { zone: "a", rack: "r1" } }),
      host("h3", { labels: { zone: "a", rack: "r2" } }),
      host("h4", { labels: { zone: "b", rack: "r3" } }),
    ];
    const p = run(hosts, [service("api", { replicas: 4, spread: ["node.labels.zone", "node.labels.rack"] })]);
    expect(countsOf(p, "api")).toEqual({ h1: 1, h3: 1, h4: 2 });
  });

  it("counts replicas already running when choosing the zone", () => {
    const api = service("api", { replicas: 3, spread: ["node.labels.zone"] });
    const p = run(zones, [api], [replica(api, "1", "h4"), replica(api, "2", "h4")]);
    expect(slotsOf(p, "api")["3"]).toBe("h1");
  });
});

describe("global services", () => {
  it("runs one replica on every eligible host, with the host name as slot", () => {
    const hosts = [host("h1"), host("h2", { state: "down" }), host("h3", { drain: true }), host("h4")];
    const p = run(hosts, [service("agent", { mode: "global" })]);
    expect(slotsOf(p, "agent")).toEqual({ h1: "h1", h4: "h4" });
  });

  it("honours constraints", () => {
    const hosts = [host("h1", { labels: { gpu: "yes" } }), host("h2")];
    const p = run(hosts, [service("agent", { mode: "global", constraints: ["node.labels.gpu == yes"] })]);
    expect(slotsOf(p, "agent")).toEqual({ h1: "h1" });
    expect(servicePlacement(p, "agent").unschedulable).toBeUndefined();
  });

  it("reports eligible hosts that lack capacity", () => {
    const hosts = [host("h1", { memory: 1 * GiB }), host("h2")];
    const p = run(hosts, [service("agent", { mode: "global", memory: 2 * GiB })]);
    expect(slotsOf(p, "agent")).toEqual({ h2: "h2" });
    expect(servicePlacement(p, "agent").unschedulable?.message).toBe(
      "1 eligible host cannot run it: 1 insufficient memory",
    );
  });

  it("keeps the replica of a host on probation, but starts none there", () => {
    const agent = service("agent", { mode: "global" });
    const hosts = [host("h1", { probation: true }), host("h2", { probation: true })];
    const p = run(hosts, [agent], [replica(agent, "h1", "h1")]);
    expect(slotsOf(p, "agent")).toEqual({ h1: "h1" });
  });

  it("records the leaving replica of a host that went down or drains", () => {
    const agent = service("agent", { mode: "global" });
    const hosts = [host("h1", { drain: true }), host("h2")];
    const p = run(hosts, [agent], [replica(agent, "h1", "h1"), replica(agent, "h2", "h2")]);
    expect(slotsOf(p, "agent")).toEqual({ h2: "h2" });
    expect(servicePlacement(p, "agent").moves).toEqual([
      { slot: "h1", from: "h1", code: "host-draining", reason: "host h1 is draining" },
    ]);
  });
});
