import { describe, expect, it } from "vitest";
import { schedule, scheduleIncremental } from "../../../src/schedule/index.js";
import { desiredState, GiB, host, observedCluster, service } from "../../support/fixtures.js";
import { convergedReplicas, servicePlacement, slotsOf } from "../../support/placement.js";

const hosts = [host("h1", { memory: 2 * GiB }), host("h2", { memory: 2 * GiB })];

describe("scheduleIncremental", () => {
  it("starts with a full pass equal to schedule()", () => {
    const d = desiredState(hosts, [
      service("a", { replicas: 3 }),
      service("b", { replicas: 2, memory: GiB }),
    ]);
    const obs = observedCluster(hosts, []);
    const s = scheduleIncremental(undefined, d, obs);
    expect([...s.placement.services.keys()]).toEqual(["a", "b"]);
    expect(slotsOf(s.placement, "a")).toEqual(slotsOf(schedule(d, obs), "a"));
    expect(slotsOf(s.placement, "b")).toEqual(slotsOf(schedule(d, obs), "b"));
  });

  it("reuses unchanged services as they were and schedules the changed one", () => {
    // Beyond a quarter of the services changed, a full pass is chosen: keep the change small.
    const same = ["a", "c", "d", "e"].map((n) => service(n, { replicas: 2 }));
    const d = desiredState(hosts, [...same, service("b", { replicas: 1 })]);
    const obs = observedCluster(hosts, convergedReplicas(d, schedule(d, observedCluster(hosts, []))));
    const s = scheduleIncremental(undefined, d, obs);
    const d2 = desiredState(hosts, [...same, service("b", { replicas: 3 })]);
    const next = scheduleIncremental(s, d2, obs);
    for (const n of ["a", "c", "d", "e"])
      expect(next.placement.services.get(n)).toBe(s.placement.services.get(n));
    expect(next.placement.services.get("b")).not.toBe(s.placement.services.get("b"));
    expect(next.placement).toEqual(schedule(d2, obs));
  });

  it("subtracts what a changed service held before placing it again", () => {
    const d = desiredState(hosts, [service("big", { replicas: 2, memory: 2 * GiB })]);
    const obs = observedCluster(hosts, []);
    const s = scheduleIncremental(undefined, d, obs);
    const running = observedCluster(hosts, convergedReplicas(d, s.placement));
    const s2 = scheduleIncremental(s, d, running);
    const d3 = desiredState(hosts, [service("big", { replicas: 2, memory: 2 * GiB, specHash: "v2" })]);
    const next = scheduleIncremental(s2, d3, running);
    expect(servicePlacement(next.placement, "big").unschedulable).toBeUndefined();
    expect(slotsOf(next.placement, "big")).toEqual({ "1": "h1", "2": "h2" });
  });

  it("retries a service that was unschedulable once capacity is freed", () => {
    const hog = service("hog", { replicas: 2, memory: 2 * GiB });
    const late = service("late", { memory: 1 * GiB });
    const others = ["x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8"].map((n) => service(n));
    const d = desiredState(hosts, [hog, late, ...others]);
    const obs = observedCluster(hosts, convergedReplicas(d, schedule(d, observedCluster(hosts, []))));
    const s = scheduleIncremental(undefined, d, obs);
    expect(servicePlacement(s.placement, "late").unschedulable).toBeDefined();
    const d2 = desiredState(hosts, [service("hog", { replicas: 1, memory: 2 * GiB }), late, ...others]);
    const next = scheduleIncremental(s, d2, obs);
    expect(next.placement.services.get("x1")).toBe(s.placement.services.get("x1")); // incremental path
    expect(slotsOf(next.placement, "late")).toEqual({ "1": "h2" });
    expect(next.placement.unschedulable).toEqual([]);
  });

  it("schedules again a service whose last placement is not running yet", () => {
    const running = Array.from({ length: 8 }, (_, k) => service(`r${k}`));
    const d = desiredState(hosts, [...running, service("b"), service("c", { replicas: 2 })]);
    const placed = schedule(d, observedCluster(hosts, []));
    // c's slots were placed but its containers do not exist yet.
    const obs = observedCluster(
      hosts,
      convergedReplicas(d, placed).filter((r) => r.service !== "c"),
    );
    const s = scheduleIncremental(undefined, d, obs);
    const d2 = desiredState(hosts, [
      ...running,
      service("b", { replicas: 2 }),
      service("c", { replicas: 2 }),
    ]);
    const next = scheduleIncremental(s, d2, obs);
    expect(next.placement.services.get("r0")).toBe(s.placement.services.get("r0"));
    expect(next.placement.services.get("c")).not.toBe(s.placement.services.get("c"));
    expect(next.placement).toEqual(schedule(d2, obs));
  });

  it("falls back to a full pass when a host changes", () => {
    const d = desiredState(hosts, [service("a", { replicas: 2 })]);
    const s = scheduleIncremental(undefined, d, observedCluster(hosts, []));
    const down = [host("h1", { state: "down" }), hosts[1] ?? host("h2")];
    const d2 = desiredState(down, d.services);
    const obs2 = observedCluster(down, convergedReplicas(d, s.placement));
    const next = scheduleIncremental(s, d2, obs2);
    expect(slotsOf(next.placement, "a")).toEqual({ "1": "h2", "2": "h2" });
    expect(next.placement).toEqual(schedule(d2, obs2));
  });
});
