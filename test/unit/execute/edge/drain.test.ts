import { describe, expect, it } from "vitest";
import {
  DrainBatches,
  EDGE_DRAIN_MS,
  passDrain,
  withDrainBeforeStop,
} from "../../../../src/execute/edge/drain.js";
import type { EdgePassResult } from "../../../../src/execute/edge/keeper.js";
import type { FleetObservation } from "../../../../src/observe/observer.js";
import type { HostDriver } from "../../../../src/ports/host.js";
import { FakeTime } from "../../../support/fakes/fake-time.js";

function recordingDriver(log: string[]): HostDriver {
  const no = (): Promise<never> => Promise.reject(new Error("not used"));
  return {
    name: "h1",
    ping: no,
    facts: no,
    observe: no,
    status: no,
    pull: no,
    create: no,
    start: no,
    stop: (ref) => {
      log.push(`stop ${ref}`);
      return Promise.resolve("stopped");
    },
    remove: no,
    watch: () => () => undefined,
    close: () => undefined,
  };
}

describe("drain before stop", () => {
  it("takes the replica out of rotation, waits, then stops it", async () => {
    const log: string[] = [];
    const time = new FakeTime();
    const d = withDrainBeforeStop(
      recordingDriver(log),
      (ref) => {
        log.push(`drain ${ref}`);
        return Promise.resolve("drained");
      },
      time,
    );
    const started = time.now();
    expect(await time.run(d.stop("c1", 1000))).toBe("stopped");
    expect(log).toEqual(["drain c1", "stop c1"]);
    expect(time.now() - started).toBe(EDGE_DRAIN_MS);
  });

  it("stops at once when nothing changed on the edges, or when the drain fails", async () => {
    const log: string[] = [];
    const time = new FakeTime();
    const quiet = withDrainBeforeStop(recordingDriver(log), () => Promise.resolve("nothing-to-drain"), time);
    const failing = withDrainBeforeStop(
      recordingDriver(log),
      () => Promise.reject(new Error("edge down")),
      time,
    );
    const started = time.now();
    await time.run(quiet.stop("c1", 1000));
    await time.run(failing.stop("c2", 1000));
    expect(log).toEqual(["stop c1", "stop c2"]);
    expect(time.now() - started).toBe(0);
  });

  it("drains the stops asked for together in one batch, and those asked meanwhile in the next", async () => {
    const batches: string[][] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const drains = new DrainBatches(async (refs) => {
      batches.push([...refs]);
      if (batches.length === 1) await gate;
      return new Map([...refs].filter((r) => r !== "gone").map((r) => [r, "drained" as const]));
    });
    const first = Array.from({ length: 100 }, (_, i) => drains.drain(`c${i}`));
    await Promise.resolve();
    // Asked while the first batch runs: they wait and go together.
    const later = [drains.drain("d1"), drains.drain("gone"), drains.drain("d2")];
    release();
    expect(await Promise.all(first)).toEqual(Array.from({ length: 100 }, () => "drained"));
    expect(await Promise.all(later)).toEqual(["drained", "nothing-to-drain", "drained"]);
    expect(batches.map((b) => b.length)).toEqual([100, 3]);
  });

  it("lets a failed batch fail its own drains only", async () => {
    let n = 0;
    const drains = new DrainBatches((refs) => {
      n++;
      return n === 1
        ? Promise.reject(new Error("edge down"))
        : Promise.resolve(new Map([...refs].map((r) => [r, "drained" as const])));
    });
    await expect(drains.drain("a")).rejects.toThrow("edge down");
    await expect(drains.drain("b")).resolves.toBe("drained");
  });
});

describe("a pass's drain", () => {
  const replica = (id: string, name: string): { id: string; name: string } => ({ id, name });
  const observation = (replicas: Array<{ id: string; name: string }>): FleetObservation =>
    ({
      cluster: { hosts: [], replicas },
      fresh: new Set(),
      errors: new Map(),
    }) as unknown as FleetObservation;
  const edgeResult = (outcome: string): EdgePassResult =>
    ({
      outcomes: new Map([["h1", outcome]]),
      errors: new Map(),
      endpoints: new Map(),
      conflicts: new Map(),
    }) as unknown as EdgePassResult;

  it("takes the replicas named out of rotation, by id or name, from a fresh look and one edge step", async () => {
    const leaving = new Set<string>();
    const steps: string[][] = [];
    const drain = passDrain({
      anyEdge: () => true,
      look: async () =>
        observation([replica("id1", "web-1"), replica("id2", "web-2"), replica("id3", "api-1")]),
      edges: async () => {
        steps.push([...leaving]);
        return edgeResult("reloaded");
      },
      leaving,
    });
    const out = await drain(new Set(["id1", "web-2", "gone"]));
    expect(steps).toEqual([["web-1", "web-2"]]);
    expect([...leaving]).toEqual(["web-1", "web-2"]);
    expect(out.get("id1")).toBe("drained");
    expect(out.get("web-2")).toBe("drained");
    expect(out.get("gone")).toBeUndefined();
  });

  it("drains nothing without edges, and reports nothing-to-drain when no edge changed", async () => {
    const leaving = new Set<string>();
    let looks = 0;
    const look = async (): Promise<FleetObservation> => {
      looks++;
      return observation([replica("id1", "web-1")]);
    };
    const none = passDrain({
      anyEdge: () => false,
      look,
      edges: async () => edgeResult("reloaded"),
      leaving,
    });
    expect((await none(new Set(["id1"]))).size).toBe(0);
    expect(looks).toBe(0);
    const quiet = passDrain({
      anyEdge: () => true,
      look,
      edges: async () => edgeResult("unchanged"),
      leaving,
    });
    expect((await quiet(new Set(["id1"]))).get("id1")).toBe("nothing-to-drain");
  });
});
