// Volume affinity in the scheduler: a slot whose host-local volume is on a host
// stays with it through failover, drain, rebalancing, spread, capacity and
// constraint changes; it waits for that host rather than starting elsewhere;
// shared and recreatable volumes do not bind; data moves only when asked.
// Each test also runs the same situation without the volume, so it would fail
// if the scheduler did not move the replica in the first place.

import { describe, expect, it } from "vitest";
import type { ObservedReplica, ObservedVolume } from "../../../src/model/observed.js";
import type { DesiredState, VolumeDecl } from "../../../src/model/spec.js";
import { schedule } from "../../../src/schedule/index.js";
import type { ServicePlacement } from "../../../src/schedule/types.js";
import {
  desiredState,
  host,
  observedCluster,
  observedVolume,
  replica,
  service,
  type ServiceOptions,
  type TestHost,
} from "../../support/fixtures.js";

const SRC = { path: "cluster.yaml", line: 1, col: 1 };
const local: VolumeDecl = { driver: "local", driverOpts: {}, recreatable: false, source: SRC };

function withVolumes(d: DesiredState, volumes: Record<string, VolumeDecl>): DesiredState {
  return { ...d, cluster: { ...d.cluster, volumes } };
}

interface World {
  hosts: TestHost[];
  db?: ServiceOptions;
  replicas: (db: ReturnType<typeof service>) => ObservedReplica[];
  volumes: ObservedVolume[] | undefined;
  decls?: Record<string, VolumeDecl>;
  rebalance?: boolean;
  others?: ReturnType<typeof service>[];
  unknown?: string[];
}

function run(w: World): ServicePlacement {
  const db = service("db", { volumes: ["dbdata"], ...w.db });
  const desired = withVolumes(
    desiredState(w.hosts, [db, ...(w.others ?? [])], { rebalance: w.rebalance ?? false }),
    w.decls ?? { dbdata: local },
  );
  const observed = {
    ...observedCluster(w.hosts, w.replicas(db)),
    ...(w.volumes !== undefined ? { volumes: w.volumes } : {}),
    ...(w.unknown !== undefined ? { volumesUnknown: w.unknown } : {}),
  };
  const sp = schedule(desired, observed).services.get("db");
  if (sp === undefined) throw new Error("db not placed");
  return sp;
}

const dbdata = (h: string, slot = "1", more: Parameters<typeof observedVolume>[2] = {}) =>
  observedVolume(h, "dbdata", { service: "db", slot, ...more });

const three = (o: { h1?: Parameters<typeof host>[1]; h2?: Parameters<typeof host>[1] } = {}) => [
  host("h1", o.h1),
  host("h2", o.h2),
  host("h3"),
];

describe("a slot bound by its volume", () => {
  it("waits for its host when the host is down, and says so; it is not started elsewhere", () => {
    const world: World = {
      hosts: three({ h1: { state: "down" } }),
      replicas: (db) => [replica(db, "1", "h1")],
      volumes: [dbdata("h1")],
    };
    const sp = run(world);
    expect(sp.slots.get("1")).toBeUndefined();
    expect(sp.moves).toEqual([]);
    expect(sp.unschedulable?.slots).toEqual(["1"]);
    expect(sp.unschedulable?.message).toBe("waiting for h1: holds volume dbdata");
    // Without the volume observed, the same failover moves it (as before).
    expect(run({ ...world, volumes: [] }).slots.get("1")).toBe("h2");
  });

  it("leaves the other slots alone while one waits", () => {
    const sp = run({
      hosts: three({ h1: { state: "down" } }),
      db: { replicas: 3 },
      replicas: (db) => [replica(db, "1", "h1"), replica(db, "2", "h2"), replica(db, "3", "h3")],
      volumes: [dbdata("h1", "1"), dbdata("h2", "2"), dbdata("h3", "3")],
    });
    expect([...sp.slots]).toEqual([
      ["2", "h2"],
      ["3", "h3"],
    ]);
    expect(sp.unschedulable?.slots).toEqual(["1"]);
  });

  it("waits for a returning host on probation, then goes back there when it has no container", () => {
    const hosts = three({ h1: { probation: true } });
    const waiting = run({ hosts, replicas: () => [], volumes: [dbdata("h1")] });
    expect(waiting.unschedulable?.message).toBe("waiting for h1: holds volume dbdata");
    const back = run({ hosts: three(), replicas: () => [], volumes: [dbdata("h1")] });
    expect(back.slots.get("1")).toBe("h1");
    expect(back.unschedulable).toBeUndefined();
  });

  it("keeps the replica that is back on its returned host (probation does not evict)", () => {
    const sp = run({
      hosts: three({ h1: { probation: true } }),
      replicas: (db) => [replica(db, "1", "h1")],
      volumes: [dbdata("h1")],
    });
    expect(sp.slots.get("1")).toBe("h1");
  });

  it("is put back with its data when its replica runs elsewhere", () => {
    const sp = run({
      hosts: three(),
      replicas: (db) => [replica(db, "1", "h2", { state: "exited", exitCode: 1 })],
      volumes: [dbdata("h1")],
    });
    expect(sp.slots.get("1")).toBe("h1");
  });

  it("never moves for rebalancing", () => {
    const world: World = {
      hosts: three(),
      db: { replicas: 3 },
      rebalance: true,
      replicas: (db) => ["1", "2", "3"].map((s) => replica(db, s, "h1")),
      volumes: [dbdata("h1", "1"), dbdata("h1", "2"), dbdata("h1", "3")],
    };
    const sp = run(world);
    expect(sp.moves).toEqual([]);
    expect(new Set(sp.slots.values())).toEqual(new Set(["h1"]));
    expect(run({ ...world, volumes: [] }).moves.map((m) => m.code)).toEqual(["rebalance"]);
  });

  it("never moves when a spread preference is added", () => {
    const hosts = [
      host("h1", { labels: { zone: "a" } }),
      host("h2", { labels: { zone: "a" } }),
      host("h3", { labels: { zone: "b" } }),
    ];
    const world: World = {
      hosts,
      db: { replicas: 2, spread: ["node.labels.zone"] },
      rebalance: true,
      replicas: (db) => [replica(db, "1", "h1"), replica(db, "2", "h2")],
      volumes: [dbdata("h1", "1"), dbdata("h2", "2")],
    };
    const sp = run(world);
    expect(sp.moves).toEqual([]);
    expect([...sp.slots]).toEqual([
      ["1", "h1"],
      ["2", "h2"],
    ]);
    expect(run({ ...world, volumes: [] }).moves.map((m) => `${m.slot}:${m.code}→${m.to ?? ""}`)).toEqual([
      "2:rebalance→h3",
    ]);
  });

  it("never moves when its host's capacity shrinks below what it reserves", () => {
    const world: World = {
      hosts: three({ h1: { cpus: 1 } }),
      db: { replicas: 2, cpus: 1 },
      replicas: (db) => [replica(db, "1", "h1"), replica(db, "2", "h1")],
      volumes: [dbdata("h1", "1"), dbdata("h1", "2")],
    };
    const sp = run(world);
    expect(sp.moves).toEqual([]);
    expect([...sp.slots.values()]).toEqual(["h1", "h1"]);
    expect(sp.notes).toEqual([
      "db/1 stays on h1: it holds its volumes there, though h1 has less room than its replicas reserve",
      "db/2 stays on h1: it holds its volumes there, though h1 has less room than its replicas reserve",
    ]);
    expect(run({ ...world, volumes: [] }).moves.map((m) => m.code)).toEqual(["insufficient-cpu"]);
  });

  it("reports a constraint its host no longer meets instead of acting on it", () => {
    const world: World = {
      hosts: three(),
      db: { constraints: ["node.hostname != h1"] },
      replicas: (db) => [replica(db, "1", "h1")],
      volumes: [dbdata("h1")],
    };
    const sp = run(world);
    expect(sp.slots.get("1")).toBe("h1");
    expect(sp.moves).toEqual([]);
    expect(sp.notes).toEqual([
      "db/1 stays on h1: constraint node.hostname != h1 no longer holds there, but it holds volume dbdata (move its data first)",
    ]);
    expect(run({ ...world, volumes: [] }).moves.map((m) => m.code)).toEqual(["constraint"]);
  });

  it("stays on a draining host unless the host says move_data, and then plans a data move", () => {
    const world: World = {
      hosts: three({ h1: { drain: true } }),
      replicas: (db) => [replica(db, "1", "h1")],
      volumes: [dbdata("h1")],
    };
    const stays = run(world);
    expect(stays.slots.get("1")).toBe("h1");
    expect(stays.dataMoves).toBeUndefined();
    expect(stays.notes).toEqual([
      "db/1 stays on draining h1: it holds volume dbdata (move_data: true on h1 moves it with its data)",
    ]);
    const moving = run({ ...world, hosts: three({ h1: { drain: true, moveData: true } }) });
    // The slot stays with its data until the copy is verified; the move names the target.
    expect(moving.slots.get("1")).toBe("h1");
    expect(moving.dataMoves).toEqual([
      { service: "db", slot: "1", from: "h1", to: "h2", volumes: ["dbdata"] },
    ]);
    expect(moving.notes).toBeUndefined();
  });

  it("never copies onto a host holding a volume of that name (an older superseded copy too)", () => {
    const sp = run({
      hosts: three({ h1: { drain: true, moveData: true } }),
      replicas: (db) => [replica(db, "1", "h1")],
      volumes: [dbdata("h1", "1", { copyOf: "h2" }), dbdata("h2", "1", { supersededBy: "h1" })],
    });
    expect(sp.dataMoves?.map((m) => m.to)).toEqual(["h3"]);
    const retry = run({
      hosts: three({ h1: { drain: true, moveData: true } }),
      replicas: (db) => [replica(db, "1", "h1")],
      // An unfinished copy of this same move may be copied over.
      volumes: [dbdata("h1"), dbdata("h2", "1", { copyOf: "h1" })],
    });
    expect(retry.dataMoves?.map((m) => m.to)).toEqual(["h2"]);
  });

  it("follows its data once the copy is verified (source superseded), not before", () => {
    const hosts = three({ h1: { drain: true, moveData: true } });
    const stopped = (db: ReturnType<typeof service>) => [
      replica(db, "1", "h1", { state: "exited", exitCode: 0 }),
    ];
    const copying = run({
      hosts,
      replicas: stopped,
      volumes: [dbdata("h1"), dbdata("h2", "1", { copyOf: "h1" })],
    });
    expect(copying.slots.get("1")).toBe("h1");
    const done = run({
      hosts,
      replicas: stopped,
      volumes: [dbdata("h1", "1", { supersededBy: "h2" }), dbdata("h2", "1", { copyOf: "h1" })],
    });
    expect(done.slots.get("1")).toBe("h2");
    expect(done.dataMoves).toBeUndefined();
  });

  it("with an older copy elsewhere, follows the newest data (a finished move), not the oldest volume", () => {
    const sp = run({
      hosts: three({ h2: { drain: true, moveData: true } }),
      replicas: (db) => [replica(db, "1", "h2", { state: "exited", exitCode: 0, createdAt: 800 })],
      volumes: [
        dbdata("h1", "1", { createdAt: 100 }), // left behind long ago (it was recreatable then)
        dbdata("h2", "1", { createdAt: 700, supersededBy: "h3" }),
        dbdata("h3", "1", { createdAt: 900, copyOf: "h2" }),
      ],
    });
    expect(sp.slots.get("1")).toBe("h3");
    expect(sp.notes).toEqual(["db/1: volumes also on h1; using h3"]);
    // Where its latest container is wins over a newer volume elsewhere.
    const back = run({
      hosts: three(),
      replicas: (db) => [replica(db, "1", "h1", { state: "exited", exitCode: 1, createdAt: 950 })],
      volumes: [dbdata("h1", "1", { createdAt: 100 }), dbdata("h3", "1", { createdAt: 900 })],
    });
    expect(back.slots.get("1")).toBe("h1");
  });

  it("waits while a host's volumes were never seen, for a slot with no known volume", () => {
    const sp = run({
      hosts: three({ h1: { state: "down" } }),
      replicas: () => [],
      volumes: [],
      unknown: ["h1"],
    });
    expect(sp.slots.size).toBe(0);
    expect(sp.unschedulable?.message).toBe("waiting for h1: volumes there not seen yet");
  });

  it("binds the slot whose container is on a host holding an unlabelled volume (made before labels)", () => {
    const sp = run({
      hosts: three({ h1: { state: "down" } }),
      replicas: (db) => [replica(db, "1", "h1")],
      volumes: [observedVolume("h1", "dbdata")],
    });
    expect(sp.unschedulable?.message).toBe("waiting for h1: holds volume dbdata");
  });
});

describe("volumes that do not bind", () => {
  const downH1: World = {
    hosts: three({ h1: { state: "down" } }),
    replicas: (db) => [replica(db, "1", "h1")],
    volumes: [dbdata("h1")],
  };

  it("a recreatable volume: the replica moves and the move says its data was left behind", () => {
    const sp = run({ ...downH1, decls: { dbdata: { ...local, recreatable: true } } });
    expect(sp.slots.get("1")).toBe("h2");
    expect(sp.moves.map((m) => m.reason)).toEqual([
      "host h1 is down; its data (volume dbdata, recreatable) was left on h1",
    ]);
  });

  it("a volume on a shared driver (NFS options or a plugin): the replica moves", () => {
    const nfs = { ...local, driverOpts: { type: "nfs", o: "addr=10.0.0.5", device: ":/x" } };
    expect(run({ ...downH1, decls: { dbdata: nfs } }).slots.get("1")).toBe("h2");
    expect(run({ ...downH1, decls: { dbdata: { ...local, driver: "rexray/ebs" } } }).slots.get("1")).toBe(
      "h2",
    );
  });

  it("a global service: each host's replica keeps its own volume, nothing waits", () => {
    const sp = run({
      hosts: three({ h1: { state: "down" } }),
      db: { mode: "global" },
      replicas: (db) => ["h1", "h2", "h3"].map((h) => replica(db, h, h)),
      volumes: ["h1", "h2", "h3"].map((h) => dbdata(h, h)),
    });
    expect([...sp.slots]).toEqual([
      ["h2", "h2"],
      ["h3", "h3"],
    ]);
    expect(sp.unschedulable).toBeUndefined();
  });
});
