import { describe, expect, it } from "vitest";
import type { ObservedReplica } from "../../../src/model/observed.js";
import type { ServiceSpec } from "../../../src/model/spec.js";
import { schedule, scheduleIncremental } from "../../../src/schedule/index.js";
import {
  desiredState,
  GiB,
  host,
  observedCluster,
  replica,
  service,
  type TestHost,
} from "../../support/fixtures.js";
import { servicePlacement, slotsOf } from "../../support/placement.js";

const WHY = "OOM-killed on h1 at 16:40:02Z";
const avoidH1 = (svc: string) => new Map([[svc, new Map([["h1", WHY]])]]);
const oomed = (svc: ServiceSpec, slot: string, on: string): ObservedReplica => ({
  ...replica(svc, slot, on, { state: "exited", exitCode: 137 }),
  oomKilled: true,
});

function run(hosts: readonly TestHost[], services: readonly ServiceSpec[], reps: readonly ObservedReplica[]) {
  const d = desiredState(hosts, services);
  return schedule(d, observedCluster(hosts, reps), { avoid: avoidH1(services[0]?.name ?? "") });
}

describe("hosts to avoid after an OOM kill", () => {
  it("moves the stopped replica's slot to another host with room, saying why", () => {
    const hog = service("hog", { memory: GiB });
    const hosts = [host("h1"), host("h2", { memory: 0.5 * GiB }), host("h3")];
    const p = run(hosts, [hog], [oomed(hog, "1", "h1")]);
    expect(slotsOf(p, "hog")).toEqual({ "1": "h3" }); // h2 is too small for the reservation
    expect(servicePlacement(p, "hog").moves).toEqual([
      { slot: "1", from: "h1", to: "h3", code: "oom-killed", reason: WHY },
    ]);
    expect(p.unschedulable).toEqual([]);
  });

  it("keeps the slot on the host when no other host has room: never unschedulable for it", () => {
    const hog = service("hog", { memory: GiB });
    const hosts = [host("h1"), host("h2", { memory: 0.5 * GiB })];
    const p = run(hosts, [hog], [oomed(hog, "1", "h1")]);
    expect(slotsOf(p, "hog")).toEqual({ "1": "h1" });
    expect(servicePlacement(p, "hog").moves).toEqual([]);
    expect(p.unschedulable).toEqual([]);
  });

  it("does not take room that other services' replicas hold", () => {
    const hog = service("hog", { memory: 4 * GiB });
    const big = service("big", { memory: 6 * GiB });
    const hosts = [host("h1"), host("h2")];
    const d = desiredState(hosts, [hog, big]);
    const p = schedule(d, observedCluster(hosts, [oomed(hog, "1", "h1"), replica(big, "1", "h2")]), {
      avoid: avoidH1("hog"),
    });
    expect(slotsOf(p, "hog")).toEqual({ "1": "h1" });
    expect(slotsOf(p, "big")).toEqual({ "1": "h2" });
  });

  it("respects max_replicas_per_node: a host already holding one is not a target", () => {
    const hog = service("hog", { replicas: 2, maxPerNode: 1 });
    const hosts = [host("h1"), host("h2")];
    const p = run(hosts, [hog], [oomed(hog, "1", "h1"), replica(hog, "2", "h2")]);
    expect(slotsOf(p, "hog")).toEqual({ "1": "h1", "2": "h2" });
    const q = run([...hosts, host("h3")], [hog], [oomed(hog, "1", "h1"), replica(hog, "2", "h2")]);
    expect(slotsOf(q, "hog")).toEqual({ "1": "h3", "2": "h2" });
  });

  it("respects placement constraints", () => {
    const hog = service("hog", { constraints: ["node.labels.zone == a"] });
    const hosts = [host("h1", { labels: { zone: "a" } }), host("h2", { labels: { zone: "b" } })];
    expect(slotsOf(run(hosts, [hog], [oomed(hog, "1", "h1")]), "hog")).toEqual({ "1": "h1" });
    const more = [...hosts, host("h3", { labels: { zone: "a" } })];
    expect(slotsOf(run(more, [hog], [oomed(hog, "1", "h1")]), "hog")).toEqual({ "1": "h3" });
  });

  it("never moves a running replica for it (its replacement already started there)", () => {
    const hog = service("hog");
    const hosts = [host("h1"), host("h2")];
    const p = run(hosts, [hog], [replica(hog, "1", "h1")]);
    expect(slotsOf(p, "hog")).toEqual({ "1": "h1" });
    expect(servicePlacement(p, "hog").moves).toEqual([]);
  });

  it("places a new slot elsewhere too, without reporting a move", () => {
    const hog = service("hog", { replicas: 2 });
    const hosts = [host("h1"), host("h2")];
    // Slot 2 has no replica: phase 2 would pick h1 (h2 holds slot 1).
    const p = run(hosts, [hog], [replica(hog, "1", "h2")]);
    expect(slotsOf(p, "hog")).toEqual({ "1": "h2", "2": "h2" });
    expect(servicePlacement(p, "hog").moves).toEqual([]);
  });

  it("only concerns the service that was killed", () => {
    const hog = service("hog");
    const other = service("other");
    const hosts = [host("h1"), host("h2")];
    const d = desiredState(hosts, [hog, other]);
    const reps = [
      replica(hog, "1", "h1"),
      { ...replica(other, "1", "h1", { state: "exited", exitCode: 1 }) },
    ];
    const p = schedule(d, observedCluster(hosts, reps), { avoid: avoidH1("hog") });
    expect(slotsOf(p, "other")).toEqual({ "1": "h1" });
  });

  it("the incremental scheduler decides the same while hosts are avoided", () => {
    const hog = service("hog", { replicas: 2 });
    const hosts = [host("h1"), host("h2"), host("h3")];
    const d = desiredState(hosts, [hog]);
    const obs = observedCluster(hosts, [oomed(hog, "1", "h1"), replica(hog, "2", "h2")]);
    const first = scheduleIncremental(undefined, d, obs);
    const next = scheduleIncremental(first, d, obs, { avoid: avoidH1("hog") });
    expect(slotsOf(next.placement, "hog")).toEqual(
      slotsOf(schedule(d, obs, { avoid: avoidH1("hog") }), "hog"),
    );
    expect(slotsOf(next.placement, "hog")).toEqual({ "1": "h3", "2": "h2" });
    // And once the avoidance ends, back to a full pass without it.
    expect(slotsOf(scheduleIncremental(next, d, obs).placement, "hog")).toEqual({ "1": "h1", "2": "h2" });
  });
});
