// HostCaller with the fleet's limiter: calls of all hosts share its slots (past their
// own host's lane), heartbeats never wait for it, and a call whose deadline passes
// while it waits leaves no slot taken and never reaches Docker.

import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { pollUntil } from "../../support/poll.js";
import { HostCaller } from "../../../src/adapters/docker/call.js";
import { fleetCallLimiter, type Limiter } from "../../../src/adapters/docker/limiter.js";

const logger = pino({ level: "silent" });
const policy = { timeoutMs: 10_000, retries: 0, backoffMs: 10 };

function caller(host: string, fleet: Limiter, concurrency = 4): HostCaller {
  return new HostCaller(host, concurrency, policy, logger, fleet);
}

/** A Docker call that answers when told to, counting how many run at once. */
class Gate {
  running = 0;
  most = 0;
  started = 0;
  private readonly waiting: (() => void)[] = [];

  call = (): Promise<string> => {
    this.started++;
    this.running++;
    this.most = Math.max(this.most, this.running);
    return new Promise((resolve) =>
      this.waiting.push(() => {
        this.running--;
        resolve("ok");
      }),
    );
  };

  /** Answers every call in flight. */
  answerAll(): void {
    for (const w of this.waiting.splice(0)) w();
  }
}

// The calls run on the event loop: a few turns later they have got where they are going.
const TURNS = { intervalMs: 5 };

describe("HostCaller with the fleet's limiter", () => {
  it("bounds the calls in flight across hosts, each host's lane still its own", async () => {
    const fleet = fleetCallLimiter(3);
    const gate = new Gate();
    const hosts = [caller("h1", fleet), caller("h2", fleet)];
    const all = hosts.flatMap((h) => Array.from({ length: 5 }, () => h.run("create", gate.call)));
    await pollUntil("three calls running", () => gate.running === 3, TURNS);
    expect(fleet.inFlight).toBe(3);
    expect(fleet.queued).toBeGreaterThan(0);
    while (gate.started < 10) {
      gate.answerAll();
      await pollUntil("the next calls started", () => gate.running > 0 || gate.started === 10, TURNS);
    }
    gate.answerAll();
    expect(await Promise.all(all)).toEqual(Array(10).fill("ok"));
    expect(gate.most).toBe(3);
    expect(fleet.inFlight).toBe(0);
  });

  it("lets a heartbeat through while the fleet's slots are all taken", async () => {
    const fleet = fleetCallLimiter(1);
    const gate = new Gate();
    const h = caller("h1", fleet);
    const busy = h.run("create", gate.call);
    await pollUntil("the fleet's slot taken", () => fleet.inFlight === 1, TURNS);
    await expect(h.run("ping", () => Promise.resolve("pong"), { lane: "ping" })).resolves.toBe("pong");
    gate.answerAll();
    await busy;
  });

  it("gives up a call whose deadline passes while it waits for a slot: no call, no slot kept", async () => {
    const fleet = fleetCallLimiter(1);
    const gate = new Gate();
    const h1 = caller("h1", fleet);
    const h2 = caller("h2", fleet);
    const busy = h1.run("create", gate.call);
    await pollUntil("the fleet's slot taken", () => fleet.inFlight === 1, TURNS);
    let called = false;
    const late = h2.run(
      "list",
      () => {
        called = true;
        return Promise.resolve("late");
      },
      { timeoutMs: 50, lane: "read" },
    );
    await expect(late).rejects.toMatchObject({ code: "timeout" });
    expect(fleet.queued).toBe(0);
    gate.answerAll();
    await busy;
    expect(called).toBe(false);
    expect(fleet.inFlight).toBe(0);
    // The fleet's slot is free again for the next call.
    await expect(h2.run("list", () => Promise.resolve("next"), { lane: "read" })).resolves.toBe("next");
  });
});
