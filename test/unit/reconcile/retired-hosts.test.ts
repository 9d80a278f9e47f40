import { describe, expect, it } from "vitest";
import type { ControllerEvent } from "../../../src/report/events.js";
import type { HostDriver } from "../../../src/ports/host.js";
import type { FleetObservation } from "../../../src/observe/observer.js";
import { RetiredHosts } from "../../../src/reconcile/memory/retired-hosts.js";
import type { HostBook } from "../../../src/ports/host-book.js";
import type { ObservedReplica } from "../../../src/model/observed.js";
import type { DesiredState, HostSpec } from "../../../src/model/spec.js";
import { silent } from "../../support/fakes/execute-harness.js";

const host = (name: string, docker = `tcp://${name}:2375`): HostSpec => ({
  name,
  docker,
  address: `10.0.0.${name.slice(1)}`,
  labels: {},
  capacity: {},
  drain: false,
  source: { path: "cluster.yaml", line: 1, col: 1 },
});
const state = (hosts: HostSpec[]): DesiredState =>
  ({ cluster: { name: "c", hosts }, services: [] }) as unknown as DesiredState;

function memoryBook(initial?: HostSpec[]): HostBook & { saved: HostSpec[][] } {
  const saved: HostSpec[][] = [];
  return {
    saved,
    load: async () => initial,
    save: async (h) => {
      saved.push([...h]);
    },
  };
}

function observation(fresh: string[], replicaHosts: string[]): FleetObservation {
  return {
    cluster: { hosts: [], replicas: replicaHosts.map((h) => ({ host: h }) as ObservedReplica) },
    fresh: new Set(fresh),
    errors: new Map(),
  } as unknown as FleetObservation;
}

function fakeDriver(removed: string[]): HostDriver {
  return {
    remove: async (ref: string) => {
      removed.push(ref);
      return "removed" as const;
    },
    removeNetwork: async () => {
      removed.push("network");
      return "removed" as const;
    },
  } as unknown as HostDriver;
}

describe("RetiredHosts", () => {
  it("keeps a host removed from cluster.yaml as a draining host until it is empty, then cleans it up", async () => {
    const events: ControllerEvent[] = [];
    const book = memoryBook();
    const r = new RetiredHosts({ book, logger: silent, events: (e) => events.push(e), now: () => 1 });
    await r.widen(state([host("h1"), host("h2"), host("h3")]));
    const widened = await r.widen(state([host("h1"), host("h2")]));
    expect(widened.cluster.hosts.map((h) => `${h.name}:${h.drain}`)).toEqual([
      "h1:false",
      "h2:false",
      "h3:true",
    ]);
    expect([...r.names]).toEqual(["h3"]);
    expect(events.filter((e) => e.kind === "host-removed")).toHaveLength(1);
    await r.widen(state([host("h1"), host("h2")]));
    expect(events.filter((e) => e.kind === "host-removed")).toHaveLength(1); // once

    const removed: string[] = [];
    const locks: string[] = [];
    const forget = async (h: string) => {
      locks.push(h);
    };
    // Still a replica on h3: nothing is removed; not answering: nothing either.
    await r.cleanup(observation(["h1", "h2", "h3"], ["h3"]), "c", () => fakeDriver(removed), forget);
    await r.cleanup(observation(["h1", "h2"], []), "c", () => fakeDriver(removed), forget);
    expect(removed).toEqual([]);
    await r.cleanup(observation(["h1", "h2", "h3"], ["h1"]), "c", () => fakeDriver(removed), forget);
    expect(removed).toEqual(["gf-c-edge", "gf-c-edge-names", "network"]);
    expect(locks).toEqual(["h3"]);
    expect([...r.names]).toEqual([]);
    expect(events.map((e) => e.kind)).toContain("host-cleaned");
    expect(book.saved.at(-1)?.map((h) => h.name)).toEqual(["h1", "h2"]);
    expect((await r.widen(state([host("h1"), host("h2")]))).cluster.hosts).toHaveLength(2);
  });

  it("after a restart, knows a host removed meanwhile from its book, unless the ceiling no longer allows it", async () => {
    const book = memoryBook([host("h1"), host("h2"), host("h3"), host("h4", "tcp://evil:2375")]);
    const r = new RetiredHosts({
      book,
      endpointAllowed: (d) => !d.includes("evil"),
      logger: silent,
      events: () => undefined,
      now: () => 1,
    });
    const widened = await r.widen(state([host("h1"), host("h2")]));
    expect(widened.cluster.hosts.map((h) => h.name)).toEqual(["h1", "h2", "h3"]);
  });
});
