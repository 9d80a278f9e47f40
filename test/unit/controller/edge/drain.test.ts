import { describe, expect, it } from "vitest";
import { EDGE_DRAIN_MS, withDrainBeforeStop } from "../../../../src/controller/edge/drain.js";
import type { HostDriver } from "../../../../src/controller/host-driver.js";

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
});
