// A paused or rolled-back rollout never holds back failover or healing: the
// held service's replicas are moved off a host that stops answering and
// replaced when they fail, with the last healthy spec of each slot, and status
// says which spec that is. On fake hosts, fake Git and fake time.

import { describe, expect, it } from "vitest";
import type { DesiredState, FailureAction, ServiceSpec } from "../../../src/model/spec.js";
import { desiredState, host, service } from "../../support/fixtures.js";
import { FakeFleet } from "../../support/fakes/fake-fleet.js";
import { FakeSink, FakeSource } from "../../support/fakes/fake-ports.js";
import { fakeOperator } from "../../support/fakes/fake-operator.js";
import { FakeTime } from "../../support/fakes/fake-time.js";
import { pollUntil } from "../../support/poll.js";

const HOSTS = ["h1", "h2", "h3"];
const state = (...services: ServiceSpec[]): DesiredState =>
  desiredState(
    HOSTS.map((h) => host(h)),
    services,
  );

function web(version: number, replicas: number, failureAction: FailureAction): ServiceSpec {
  return service("web", {
    replicas,
    image: `web:${version}`,
    specHash: `web${version}`.padEnd(16, "0"),
    restart: { delayMs: 0 },
    update: { order: "stop-first", failureAction, monitorMs: 1_000, parallelism: 1 },
  });
}

function setup(first: ServiceSpec) {
  const time = new FakeTime();
  const fleet = new FakeFleet(time, HOSTS);
  const source = new FakeSource(time);
  source.set(state(first));
  const sink = new FakeSink(time);
  const op = fakeOperator({ time, fleet, source, sink }, { heartbeat: true });
  const until = async (what: string, cond: () => boolean, limitMs = 120_000): Promise<void> => {
    const seen = () => fleet.containers("web").map((c) => `${fleet.hostOf(c.id)}:${c.image}:${c.state}`);
    await time.run(pollUntil(what, cond, { timeoutMs: limitMs, intervalMs: 50, time, seen }));
  };
  const running = (spec: ServiceSpec) =>
    fleet
      .containers("web")
      .filter((c) => c.state === "running" && c.specHash === spec.specHash)
      .map((c) => fleet.hostOf(c.id));
  return { time, fleet, source, sink, op, until, running };
}

describe("held rollouts: failover and healing go on", () => {
  for (const action of ["pause", "rollback"] as const) {
    it(`moves the only replica of a service whose rollout is ${action === "pause" ? "paused" : "rolled back"} off a host that stops answering, with its last healthy spec`, async () => {
      const v1 = web(1, 1, action);
      const v2 = web(2, 1, action);
      const w = setup(v1);
      await w.op.start();
      await w.until("v1 running", () => w.running(v1).length === 1);
      const [first] = w.running(v1);
      w.fleet.behaviours.set("web:2", { exitAfterMs: 300 });
      w.source.set(state(v2), "c2");
      const phase = action === "pause" ? "paused" : "rolled-back";
      await w.until(`rollout ${phase}`, () =>
        w.sink.last("status/services/web.yaml").includes(`state: ${phase}`),
      );
      await w.until("v1 back", () => w.running(v1).length === 1);

      w.fleet.host(first ?? "").down = true;
      await w.until("v1 moved to a survivor", () => w.running(v1).some((h) => h !== first));
      expect(
        w.fleet.containers("web").filter((c) => c.specHash === v2.specHash && c.state === "running"),
      ).toEqual([]);
      const doc = w.sink.last("status/services/web.yaml");
      expect(doc).toContain(`state: ${phase}`);
      expect(doc).toContain("rollout held: failover and healing use the last healthy spec web10000");
      expect(w.sink.last("STATUS.md")).toContain("failover and healing use the last healthy spec `web10000`");
      await w.time.run(w.op.stop());
    });
  }

  it("replaces a failed replica of a paused service with its last healthy spec, and keeps slots the update reached", async () => {
    const v1 = web(1, 3, "pause");
    const v2 = web(2, 3, "pause");
    const w = setup(v1);
    await w.op.start();
    await w.until("3 v1 running", () => w.running(v1).length === 3);
    // The first slot updates fine on h1; the second fails on h2 and the rollout pauses.
    w.fleet.host("h2").hostBehaviours.set("web:2", { exitAfterMs: 300 });
    w.fleet.host("h3").hostBehaviours.set("web:2", { exitAfterMs: 300 });
    w.source.set(state(v2), "c2");
    await w.until("paused", () => w.sink.last("status/services/web.yaml").includes("state: paused"));
    await w.until("2 v1 + 1 v2", () => w.running(v1).length === 2 && w.running(v2).length === 1);

    // A v1 replica crashes: it comes back as v1 (not v2, whose rollout failed), v2 stays where it runs.
    const victim = w.fleet.containers("web").find((c) => c.specHash === v1.specHash && c.state === "running");
    w.fleet.host(w.fleet.hostOf(victim?.id ?? "")).kill(victim?.id ?? "");
    w.op.markDue("container died"); // what Docker's die event does (the fake hosts send no events)
    await w.until("healed", () => w.running(v1).length === 2 && w.fleet.serving("web") === 3);
    expect(w.running(v2)).toHaveLength(1);
    await w.time.run(w.op.stop());
  });
});
