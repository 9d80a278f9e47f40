import { describe, expect, it } from "vitest";
import { Fleet } from "../../../src/observe/fleet.js";
import { Heartbeat } from "../../../src/daemon/heartbeat.js";
import pino from "pino";
import { HostHealth, logHealthChange, type HealthChange } from "../../../src/observe/host-health.js";
import { cluster, hostSpec } from "../../support/fixtures.js";
import { FakeFleet } from "../../support/fakes/fake-fleet.js";
import { FakeTime } from "../../support/fakes/fake-time.js";
import { silent } from "../../support/fakes/execute-harness.js";

const T = 1_700_000_000_000;
const SETTINGS = { downAfterMs: 3000, stableAfterMs: 10_000 };

describe("host health", () => {
  it("is unknown until heard from, then up", () => {
    const h = new HostHealth(SETTINGS, T);
    h.retain(["h1"]);
    expect(h.view("h1", T).state).toBe("unknown");
    expect(h.ok("h1", T + 10)).toEqual({ host: "h1", from: "unknown", to: "up" });
    expect(h.view("h1", T + 10)).toMatchObject({ state: "up", probation: false });
  });

  it("goes down only after downAfterMs without an answer", () => {
    const h = new HostHealth(SETTINGS, T);
    h.ok("h1", T);
    expect(h.fail("h1", T + 1000, "timeout")).toBeUndefined();
    expect(h.fail("h1", T + 2000, "timeout")).toBeUndefined();
    expect(h.fail("h1", T + 3000, "timeout")).toEqual({
      host: "h1",
      from: "up",
      to: "down",
      error: "timeout",
    });
    expect(h.view("h1", T + 3000)).toMatchObject({ state: "down", lastSeen: T, error: "timeout" });
  });

  it("puts a returning host on probation, restarted by any failure, ended after stableAfterMs", () => {
    const h = new HostHealth(SETTINGS, T);
    h.ok("h1", T);
    h.fail("h1", T + 3000, "x");
    expect(h.ok("h1", T + 5000)?.to).toBe("up");
    expect(h.view("h1", T + 5000).probation).toBe(true);
    h.fail("h1", T + 7000, "blip"); // still up (silent for 2 s only), probation starts over
    h.ok("h1", T + 7100);
    expect(h.evaluate("h1", T + 15_000)).toBeUndefined();
    expect(h.view("h1", T + 16_999).probation).toBe(true);
    expect(h.evaluate("h1", T + 17_000)).toMatchObject({ probationEnded: true });
    expect(h.view("h1", T + 17_000).probation).toBe(false);
  });

  it("counts a host's silence from when it joined, not from the operator's start (a late first ping)", () => {
    const h = new HostHealth(SETTINGS, T);
    h.retain(["h1"], T + 5000); // the first commit loaded 5 s after the start, say
    expect(h.fail("h1", T + 7000, "no answer within 2000 ms")).toBeUndefined();
    expect(h.view("h1", T + 7000).state).toBe("unknown");
    expect(h.fail("h1", T + 8000, "no answer within 2000 ms")?.to).toBe("down");
    // First asked later than it joined (its client set up late): silent from then on.
    h.retain(["h1", "h3"], T + 5000);
    h.asking("h3", T + 20_000);
    expect(h.fail("h3", T + 22_000, "no answer within 2000 ms")).toBeUndefined();
    expect(h.fail("h3", T + 23_000, "no answer within 2000 ms")?.to).toBe("down");
    // A host added later still: the same, from its own arrival.
    h.retain(["h1", "h2"], T + 60_000);
    expect(h.fail("h2", T + 62_999, "refused")).toBeUndefined();
    expect(h.fail("h2", T + 63_000, "refused")?.to).toBe("down");
  });

  it("applies the clock to the hosts it can change only: failing (down after downAfterMs) or on probation (ended)", () => {
    const h = new HostHealth(SETTINGS, T);
    h.retain(["h1", "h2", "h3"]);
    for (const n of ["h1", "h2", "h3"]) h.ok(n, T);
    h.fail("h2", T + 1000, "timeout");
    // Up and answering hosts are not looked at: counted through evaluate(), which it calls per host.
    const looked: string[] = [];
    const evaluate = h.evaluate.bind(h);
    h.evaluate = (host, now) => {
      looked.push(host);
      return evaluate(host, now);
    };
    const changes: HealthChange[] = [];
    h.evaluateChanging(T + 2999, (c) => changes.push(c));
    expect(changes).toEqual([]);
    expect(looked).toEqual(["h2"]);
    h.evaluateChanging(T + 3000, (c) => changes.push(c));
    expect(changes).toEqual([{ host: "h2", from: "up", to: "down", error: "timeout" }]);
    // Down: nothing more to change until it answers; back, on probation until stableAfterMs.
    looked.length = 0;
    h.evaluateChanging(T + 4000, (c) => changes.push(c));
    expect(looked).toEqual([]);
    expect(h.ok("h2", T + 5000)?.to).toBe("up");
    h.evaluateChanging(T + 14_999, (c) => changes.push(c));
    expect(changes).toHaveLength(1);
    h.evaluateChanging(T + 15_000, (c) => changes.push(c));
    expect(changes[1]).toEqual({ host: "h2", from: "up", to: "up", probationEnded: true });
    looked.length = 0;
    h.evaluateChanging(T + 16_000, (c) => changes.push(c));
    expect(looked).toEqual([]);
  });

  it("declares a host that never answered down after downAfterMs since start", () => {
    const h = new HostHealth(SETTINGS, T);
    h.retain(["h1"]);
    expect(h.fail("h1", T + 2999, "refused")).toBeUndefined();
    expect(h.fail("h1", T + 3000, "refused")?.to).toBe("down");
  });
});

describe("heartbeat", () => {
  it("notices a host that stops answering without any pass, within downAfterMs plus one interval", async () => {
    const time = new FakeTime(T);
    const fake = new FakeFleet(time, ["h1", "h2"]);
    const fleet = new Fleet(
      async (h) => fake.host(h.name),
      () => undefined,
      silent,
    );
    await fleet.sync(cluster([hostSpec("h1"), hostSpec("h2")]));
    const health = new HostHealth(SETTINGS, T);
    const changes: Array<HealthChange & { at: number }> = [];
    const beat = new Heartbeat({
      fleet,
      health,
      time,
      intervalMs: () => 1000,
      onChange: (c) => changes.push({ ...c, at: time.now() }),
      logger: silent,
    });
    beat.start();
    await time.advance(2500);
    expect(changes.map((c) => `${c.host}:${c.to}`).sort()).toEqual(["h1:up", "h2:up"]);
    const cut = time.now();
    fake.host("h2").down = true;
    await time.advance(6000);
    const down = changes.find((c) => c.host === "h2" && c.to === "down");
    expect(down).toBeDefined();
    expect((down?.at ?? 0) - cut).toBeLessThanOrEqual(SETTINGS.downAfterMs + 1000);
    expect(health.view("h1", time.now()).state).toBe("up");
    await time.run(beat.stop());
  });
});

describe("host state change log lines", () => {
  function linesFor(change: HealthChange): { level: number; msg: string }[] {
    const out: { level: number; msg: string }[] = [];
    const logger = pino(
      { level: "debug" },
      { write: (line: string) => out.push(JSON.parse(line) as { level: number; msg: string }) },
    );
    logHealthChange(logger, change);
    return out.map(({ level, msg }) => ({ level, msg }));
  }

  it("says down and probation at info, a host first heard from at debug", () => {
    expect(linesFor({ host: "h1", from: "up", to: "down", error: "timeout" })).toEqual([
      { level: 30, msg: "host h1: up → down" },
    ]);
    expect(linesFor({ host: "h1", from: "down", to: "up", probationEnded: true })).toEqual([
      { level: 30, msg: "host h1: probation over" },
    ]);
    expect(linesFor({ host: "h2", from: "unknown", to: "up" })).toEqual([
      { level: 20, msg: "host h2: unknown → up" },
    ]);
  });
});
