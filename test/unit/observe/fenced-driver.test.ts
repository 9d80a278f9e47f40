import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import {
  fenced,
  fencedCalls,
  isHostDown,
  raceDown,
  racingCalls,
} from "../../../src/observe/fenced-driver.js";
import type { HostDriver } from "../../../src/ports/host.js";
import { HostHealth } from "../../../src/observe/host-health.js";

/** A frozen dockerd: every call hangs (until released). */
function frozenDriver(name: string): { driver: HostDriver; calls: string[]; release: () => void } {
  const calls: string[] = [];
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => (release = r));
  const hang = <T>(what: string, value: T) => {
    calls.push(what);
    return gate.then(() => value);
  };
  const driver: HostDriver = {
    name,
    ping: () => hang("ping", undefined),
    facts: () => hang("facts", { capacity: { nanoCpus: 0, memoryBytes: 0 }, images: [] }),
    observe: () => hang("observe", []),
    status: () => hang("status", undefined),
    pull: () => hang("pull", "present" as const),
    create: () => hang("create", { id: "x", name: "x", adopted: false }),
    start: () => hang("start", "started" as const),
    stop: () => hang("stop", "stopped" as const),
    remove: () => hang("remove", "removed" as const),
    watch: () => () => undefined,
    close: () => undefined,
  };
  return { driver, calls, release: () => release() };
}

const settings = { downAfterMs: 3000, stableAfterMs: 10_000 };

describe("fencing a host declared down", () => {
  it("abandons a call in flight the moment the heartbeat declares the host down", async () => {
    const health = new HostHealth(settings, 0);
    health.ok("h2", 0);
    const { driver } = frozenDriver("h2");
    const d = fenced(driver, health.downSignal("h2", 0));
    const stop = d?.stop("c1", 10_000);
    health.fail("h2", 2000, "ping timed out");
    expect(health.view("h2", 2000).state).toBe("up");
    health.fail("h2", 3000, "ping timed out");
    expect(health.view("h2", 3000).state).toBe("down");
    const err = await stop?.catch((e: unknown) => e);
    expect(isHostDown(err)).toBe(true);
    expect(String(err)).toContain("host h2 is down");
  });

  it("fails calls at once while the host is down, without reaching it", async () => {
    const health = new HostHealth(settings, 0);
    health.fail("h3", 0, "refused");
    health.evaluate("h3", 3000);
    const { driver, calls } = frozenDriver("h3");
    const d = fenced(driver, health.downSignal("h3", 3000));
    await expect(d?.create({} as never)).rejects.toMatchObject({ code: "host-unreachable", host: "h3" });
    expect(calls).toEqual([]);
  });

  it("lets calls through again once the host answers (a fresh fence)", async () => {
    const health = new HostHealth(settings, 0);
    health.fail("h1", 0, "refused");
    health.evaluate("h1", 3000);
    expect(health.downSignal("h1", 3000).aborted).toBe(true);
    health.ok("h1", 5000);
    const { driver, release } = frozenDriver("h1");
    const d = fenced(driver, health.downSignal("h1", 5000));
    const start = d?.start("c1");
    release();
    await expect(start).resolves.toBe("started");
    expect(health.view("h1", 5000).probation).toBe(true);
  });

  it("passes results and errors of a healthy host through unchanged", async () => {
    const down = new AbortController();
    await expect(raceDown(Promise.resolve(7), down.signal, "h1")).resolves.toBe(7);
    const boom = raceDown(Promise.reject(new Error("boom")), down.signal, "h1");
    await expect(boom).rejects.toThrow("boom");
    down.abort();
    await expect(raceDown(new Promise(() => undefined), down.signal, "h1")).rejects.toMatchObject({
      code: "host-unreachable",
      host: "h1",
    });
  });

  it("fences any per-host client object (the edge's), keeping its `this` and sync results", async () => {
    class Edge {
      private readonly name = "edge-h1";
      label(): string {
        return this.name;
      }
      apply(): Promise<string> {
        return new Promise(() => undefined); // a frozen host: never answers
      }
    }
    const down = new AbortController();
    const edge = fencedCalls(new Edge(), down.signal, "h1");
    expect(edge.label()).toBe("edge-h1");
    const applying = edge.apply();
    down.abort();
    await expect(applying).rejects.toMatchObject({ code: "host-unreachable", host: "h1" });
  });

  it("holds one abort listener per host however many calls are in flight, and none left behind", async () => {
    // Regression (fleet-scale bench): one listener per call on the host's long-lived signal
    // tripped MaxListenersExceededWarning with 11 calls in flight on one host.
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on("warning", onWarning);
    try {
      const health = new HostHealth(settings, 0);
      health.ok("h1", 0);
      const down = health.downSignal("h1", 0);
      const { driver, release } = frozenDriver("h1");
      const d = fenced(driver, down);
      const settled = Array.from({ length: 200 }, (_, i) => d?.start(`c${i}`));
      expect(getEventListeners(down, "abort")).toHaveLength(1);
      expect(racingCalls(down)).toBe(200);
      release();
      await Promise.all(settled);
      expect(racingCalls(down)).toBe(0);
      // Calls later on the same signal reuse the one listener.
      await Promise.all(Array.from({ length: 50 }, () => raceDown(Promise.resolve(1), down, "h1")));
      expect(getEventListeners(down, "abort")).toHaveLength(1);
      expect(racingCalls(down)).toBe(0);
      // Declared down: every call in flight fails at once, and the set is emptied.
      const hanging = Array.from({ length: 20 }, () => raceDown(new Promise(() => undefined), down, "h1"));
      health.fail("h1", 1000, "ping timed out");
      health.evaluate("h1", 3000);
      const results = await Promise.allSettled(hanging);
      expect(results.every((r) => r.status === "rejected" && isHostDown(r.reason))).toBe(true);
      expect(racingCalls(down)).toBe(0);
      await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
      expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
    } finally {
      process.off("warning", onWarning);
    }
  });
});
