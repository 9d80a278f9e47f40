// Backoff inside the reconcile loop, on fake hosts and fake time: an image that
// cannot be pulled is retried at growing intervals and stops nothing that
// runs; a replica that keeps crashing waits longer each time; what waits is in
// status with its reason and next retry; restarts gitfleet caused itself are
// not counted as restarts of the replica.

import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { ServiceSpec } from "../../../src/model/spec.js";
import { desiredState, host, service, type ServiceOptions } from "../../support/fixtures.js";
import { fakeOperator, fakeWorld } from "../../support/fakes/fake-operator.js";

const HOSTS = ["h1", "h2"];

function web(version: number, o: ServiceOptions = {}): ServiceSpec {
  return service("web", {
    replicas: 1,
    image: `web:${version}`,
    specHash: `web${version}`.padEnd(16, "0"),
    restart: { delayMs: 0 },
    ...o,
  });
}

function world(first: ServiceSpec) {
  const desired = (s: ServiceSpec) =>
    desiredState(
      HOSTS.map((h) => host(h)),
      [s],
    );
  const w = fakeWorld(HOSTS, desired(first));
  const { time, fleet, source, sink } = w;
  const set = (s: ServiceSpec, commit: string): void => source.set(desired(s), commit);
  const op = fakeOperator(w);
  const pass = async () => time.run(op.runOnce());
  /** Passes every second of fake time for `ms`. */
  const run = async (ms: number): Promise<void> => {
    const until = time.now() + ms;
    while (time.now() < until) {
      await pass();
      await time.run(time.sleep(1_000));
    }
  };
  const pulls = (image: string) => fleet.ops.filter((o) => o.op === "pull" && o.ref === image).length;
  return { time, fleet, sink, set, pass, run, pulls };
}

describe("reconciler: backoff", () => {
  it("retries an image that cannot be pulled at growing intervals, and says so in status", async () => {
    const w = world(web(1));
    w.fleet.behaviours.set("web:1", { pullFails: true });
    await w.run(120_000);
    // Every second without backoff; 5-10 s, then 10-20 s, 20-40 s, 40-80 s with it.
    expect(w.pulls("web:1")).toBeGreaterThanOrEqual(3);
    expect(w.pulls("web:1")).toBeLessThanOrEqual(5 * HOSTS.length);
    expect(w.fleet.containers("web")).toEqual([]);
    const doc = w.sink.last("status/services/web.yaml");
    expect(doc).toContain("state: image-pull-failed");
    expect(doc).toMatch(/waiting:\n\s+- reason: image-pull-failed\n/);
    expect(doc).toContain("image: web:1");
    expect(doc).toMatch(/next_retry: "?\d{4}-\d\d-\d\dT/);
    expect(w.sink.last("STATUS.md")).toMatch(
      /## Waiting for a retry\n\n- \*\*web\/1\*\* on h\d: image-pull-failed `web:1`/,
    );
    expect(w.sink.last("status/cluster.yaml")).toContain("sync: Degraded");

    // The image appears: the next retry pulls it and the service converges.
    w.fleet.behaviours.delete("web:1");
    await w.run(200_000);
    expect(w.fleet.serving("web")).toBe(1);
    expect(w.sink.last("status/services/web.yaml")).not.toContain("waiting:");
    expect(w.sink.last("status/cluster.yaml")).toContain("sync: Synced");
  });

  it("leaves the running replica alone when the new image cannot be pulled (stop-first), counting no restart", async () => {
    const stopFirst: ServiceOptions = { update: { order: "stop-first", failureAction: "pause" } };
    const w = world(web(1, stopFirst));
    await w.run(5_000);
    const [before] = w.fleet.containers("web");
    expect(before?.state).toBe("running");
    w.fleet.behaviours.set("web:2", { pullFails: true });
    w.set(web(2, stopFirst), "c2");
    await w.run(60_000);
    expect(w.fleet.ops.filter((o) => o.op === "stop")).toEqual([]);
    expect(w.fleet.containers("web").map((c) => [c.id, c.state, c.restarts])).toEqual([
      [before?.id, "running", 0],
    ]);
    const doc = w.sink.last("status/services/web.yaml");
    expect(doc).toContain("state: image-pull-failed");
    expect(doc).toContain("restarts: 0");
    expect(doc).not.toContain("state: paused");
    // The desired image, and what really runs.
    expect(w.sink.last("STATUS.md")).toContain("| web:2 (running web:1) |");
  });

  it("stays image-pull-failed while a pull is retried: status never flips to progressing and back", async () => {
    const w = world(web(1));
    await w.run(5_000);
    w.fleet.behaviours.set("web:2", { pullFails: true });
    w.set(web(2), "c2");
    await w.run(5_000);
    expect(w.sink.last("status/services/web.yaml")).toContain("state: image-pull-failed");
    const from = w.sink.writes.length;
    const pullsBefore = w.pulls("web:2");
    await w.run(90_000);
    expect(w.pulls("web:2")).toBeGreaterThan(pullsBefore);
    const states = w.sink.writes
      .slice(from)
      .map((x) => /^state: (\S+)$/m.exec(x.files.get("status/services/web.yaml") ?? "")?.[1]);
    expect(states.filter((s) => s !== "image-pull-failed")).toEqual([]);
    // One update, told once: the retries do not start it again.
    const { events } = parse(w.sink.last("status/services/web.yaml")) as {
      events: { kind: string; count?: number }[];
    };
    expect(events.filter((e) => e.kind === "update-started")).toEqual([
      expect.not.objectContaining({ count: expect.anything() as unknown }),
    ]);
    expect(
      w.sink.writes
        .slice(from)
        .filter((x) => /sync: Progressing/.test(x.files.get("status/cluster.yaml") ?? "")),
    ).toEqual([]);
  });

  it("backs off a replica that keeps crashing soon after its restarts", async () => {
    const w = world(web(1));
    w.fleet.behaviours.set("web:1", { exitAfterMs: 2_000 });
    await w.run(180_000);
    const created = w.fleet.ops.filter((o) => o.op === "create").length;
    // Without backoff: a new container every ~3 s (60 in 3 minutes); with it: 5-10 s, 10-20 s, ...
    expect(created).toBeGreaterThanOrEqual(4);
    expect(created).toBeLessThanOrEqual(9);
    const doc = w.sink.last("status/services/web.yaml");
    expect(doc).toContain("state: crash-loop");
    expect(doc).toMatch(/reason: crash-loop\n\s+slot: "1"/);
    expect(doc).toContain("error: exited with code");
  });

  it("does not count bringing back a replica gitfleet stopped itself (a paused stop-first update)", async () => {
    const stopFirst: ServiceOptions = {
      update: { order: "stop-first", failureAction: "pause", monitorMs: 1_000 },
    };
    const w = world(web(1, { ...stopFirst, restart: { condition: "on-failure", delayMs: 0 } }));
    await w.run(5_000);
    // The new version never turns running for long: the update fails and pauses.
    w.fleet.behaviours.set("web:2", { exitAfterMs: 500 });
    w.set(web(2, { ...stopFirst, restart: { condition: "on-failure", delayMs: 0 } }), "c2");
    await w.run(30_000);
    const mine = w.fleet.containers("web").filter((c) => c.image === "web:1");
    expect(mine.map((c) => [c.state, c.restarts])).toEqual([["running", 0]]);
    expect(w.sink.last("status/services/web.yaml")).toContain("state: paused");
    expect(w.sink.last("status/services/web.yaml")).not.toMatch(/restarts: [1-9]/);
  });
});
