// The data mover's order and its failure paths, against fake hosts whose
// volumes live in memory: stop, copy, verify, and only then mark the source
// superseded; a failed or mismatching copy starts the replica again on its
// source, marks nothing, and is retried only after a pause.

import { Readable } from "node:stream";
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { EventLog } from "../../../src/report/events.js";
import { HostHealth } from "../../../src/observe/host-health.js";
import { DataMover } from "../../../src/execute/data-mover.js";
import type { VolumeHelperPort, VolumePort } from "../../../src/ports/volumes.js";
import type { ObservedVolume } from "../../../src/model/volumes.js";
import type { Placement } from "../../../src/schedule/types.js";
import { desiredState, host, service } from "../../support/fixtures.js";
import { FakeFleet } from "../../support/fakes/fake-fleet.js";
import { FakeTime } from "../../support/fakes/fake-time.js";
import { silent } from "../../support/fakes/execute-harness.js";

type Files = Map<string, string>;

/** One host's volumes in memory; `corrupt` flips the copy, `failExtract` breaks the stream. */
class MemoryVolumes implements VolumePort {
  readonly volumes = new Map<string, Files>();
  readonly labels = new Map<string, Record<string, string>>();
  readonly superseded = new Map<string, string>();
  readonly log: string[] = [];
  corrupt = false;
  failExtract = false;

  constructor(private readonly host: string) {}

  list(): Promise<readonly ObservedVolume[]> {
    return Promise.resolve([]);
  }

  sizes(): Promise<ReadonlyMap<string, number>> {
    return Promise.resolve(new Map());
  }

  openHelper(o: { volume: string; side: "source" | "target" }): Promise<VolumeHelperPort> {
    const files = this.volumes.get(o.volume) ?? new Map<string, string>();
    this.volumes.set(o.volume, files);
    const { host, log } = this;
    const mode = (): { corrupt: boolean; failExtract: boolean } => this;
    return Promise.resolve({
      archive: () => Promise.resolve(Readable.from([JSON.stringify([...files])])),
      extract: async (tar: NodeJS.ReadableStream) => {
        log.push(`${host}: extract`);
        if (mode().failExtract) throw new Error("connection reset");
        let text = "";
        for await (const chunk of tar) text += String(chunk);
        for (const [k, v] of JSON.parse(text) as [string, string][])
          files.set(k, mode().corrupt ? `${v}!` : v);
      },
      clear: () => {
        files.clear();
        return Promise.resolve();
      },
      manifest: () => {
        const sorted = [...files].sort();
        const sha256 = createHash("sha256").update(JSON.stringify(sorted)).digest("hex");
        const bytes = sorted.reduce((n, [, v]) => n + v.length, 0);
        return Promise.resolve({ sha256, bytes, files: sorted.length });
      },
      close: () => Promise.resolve(),
    });
  }

  prepareCopyTarget(t: { volume: string; from: string }): Promise<"created" | "reused"> {
    this.log.push(`${this.host}: prepare`);
    const existed = this.labels.get(t.volume)?.["copy-of"] === t.from;
    this.labels.set(t.volume, { "copy-of": t.from });
    return Promise.resolve(existed ? "reused" : "created");
  }

  markSuperseded(o: { volume: string; by: string }): Promise<void> {
    this.log.push(`${this.host}: superseded by ${o.by}`);
    this.superseded.set(o.volume, o.by);
    return Promise.resolve();
  }
}

function world() {
  const time = new FakeTime();
  const fleet = new FakeFleet(time, ["h1", "h2"]);
  const vols = { h1: new MemoryVolumes("h1"), h2: new MemoryVolumes("h2") };
  for (const [name, port] of Object.entries(vols)) Object.assign(fleet.host(name), { volumes: port });
  vols.h1.volumes.set("gf-test-dbdata", new Map([["./file", "precious"]]));
  const db = service("db", { volumes: ["dbdata"] });
  const desired = desiredState([host("h1", { drain: true, moveData: true }), host("h2")], [db]);
  const c = fleet.host("h1").seed({ service: db, slot: "1", commit: "c0ffee", restarts: 0 });
  const events = new EventLog(100);
  const health = new HostHealth({ downAfterMs: 3_000, stableAfterMs: 10_000 }, time.now());
  const mover = new DataMover({ fleet, health, time, logger: silent, events: events.add });
  const placement: Placement = {
    services: new Map(),
    unschedulable: [],
    dataMoves: [{ service: "db", slot: "1", from: "h1", to: "h2", volumes: ["dbdata"] }],
  };
  const run = async () => time.run(mover.run(desired, placement, await time.run(fleet.host("h1").observe())));
  return { time, fleet, vols, c, events, run };
}

describe("data mover", () => {
  it("stops the replica, copies and verifies, then marks the source superseded (kept)", async () => {
    const w = world();
    expect(await w.run()).toBe(true);
    expect(w.vols.h2.volumes.get("gf-test-dbdata")).toEqual(new Map([["./file", "precious"]]));
    expect(w.vols.h1.volumes.get("gf-test-dbdata")).toEqual(new Map([["./file", "precious"]]));
    expect(w.vols.h1.superseded.get("gf-test-dbdata")).toBe("h2");
    expect(w.c.state).toBe("exited"); // the planner then starts it on h2
    expect(w.events.all().map((e) => e.kind)).toEqual(["data-move-started", "data-moved"]);
  });

  it("a copy that does not verify marks nothing and starts the replica again on its source", async () => {
    const w = world();
    w.vols.h2.corrupt = true;
    expect(await w.run()).toBe(false);
    expect(w.vols.h1.superseded.size).toBe(0);
    expect(w.c.state).toBe("running");
    const failed = w.events.all().find((e) => e.kind === "data-move-failed");
    expect(failed?.message).toMatch(
      /^db\/1: moving its data from h1 to h2 failed \(copy of dbdata does not match/,
    );
  });

  it("a broken stream fails the same way; the move is retried only after a pause, into the same copy", async () => {
    const w = world();
    w.vols.h2.failExtract = true;
    expect(await w.run()).toBe(false);
    expect(w.c.state).toBe("running");
    w.vols.h2.failExtract = false;
    expect(await w.run()).toBe(false); // too soon: not even tried
    expect(w.vols.h2.log).toEqual(["h2: prepare", "h2: extract"]);
    await w.time.run(w.time.sleep(60_000));
    expect(await w.run()).toBe(true);
    expect(w.vols.h2.log).toEqual(["h2: prepare", "h2: extract", "h2: prepare", "h2: extract"]);
    expect(w.vols.h1.superseded.get("gf-test-dbdata")).toBe("h2");
  });
});
