import { describe, expect, it } from "vitest";
import { DrainBatches, EDGE_DRAIN_MS, withDrainBeforeStop } from "../../../../src/execute/edge/drain.js";
import type { HostDriver } from "../../../../src/ports/host.js";

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
    const d = withDrainBeforeStop(recordingDriver(log), (ref) => {
      log.push(`drain ${ref}`);
      return Promise.resolve("drained");
    });
    const started = Date.now();
    expect(await d.stop("c1", 1000)).toBe("stopped");
    expect(log).toEqual(["drain c1", "stop c1"]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(EDGE_DRAIN_MS - 20);
  });

  it("stops at once when nothing changed on the edges, or when the drain fails", async () => {
    const log: string[] = [];
    const quiet = withDrainBeforeStop(recordingDriver(log), () => Promise.resolve("nothing-to-drain"));
    const failing = withDrainBeforeStop(recordingDriver(log), () => Promise.reject(new Error("edge down")));
    const started = Date.now();
    await quiet.stop("c1", 1000);
    await failing.stop("c2", 1000);
    expect(log).toEqual(["stop c1", "stop c2"]);
    expect(Date.now() - started).toBeLessThan(EDGE_DRAIN_MS);
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
