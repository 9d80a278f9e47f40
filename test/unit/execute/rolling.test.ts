import { describe, expect, it } from "vitest";
import type { ServiceSpec } from "../../../src/model/spec.js";
import type { ServiceOptions } from "../../support/fixtures.js";
import { FakeFleet } from "../../support/fakes/fake-fleet.js";
import { FakeTime } from "../../support/fakes/fake-time.js";
import { deployed, harness, sampleEvery } from "../../support/fakes/execute-harness.js";
import { HOSTS, state, webVersion } from "../../support/web-service.js";

function web(version: number, o: ServiceOptions = {}): ServiceSpec {
  return webVersion(version, { ...o, update: { monitorMs: 2000, ...o.update } });
}

describe("executor: deploying and rolling updates", () => {
  it("deploys every replica of a new service, one per host, healthy", async () => {
    const fleet = new FakeFleet(new FakeTime(), HOSTS);
    const h = harness(fleet);
    const { result } = await h.pass(state(web(1)));
    expect(result.rollouts.map((r) => r.status)).toEqual(["completed"]);
    expect(fleet.serving("web")).toBe(3);
    expect(HOSTS.map((n) => fleet.host(n).byService("web").length)).toEqual([1, 1, 1]);
    const kinds = h.events.of("web").map((e) => e.kind);
    expect(kinds.filter((k) => k === "created")).toHaveLength(3);
    expect(kinds.filter((k) => k === "healthy")).toHaveLength(3);
    // A second pass finds nothing to do.
    expect((await h.plan(state(web(1)))).rollouts).toEqual([]);
  });

  it("start-first never has fewer serving replicas than desired while it rolls", async () => {
    const v1 = web(1, { update: { order: "start-first" } });
    const v2 = web(2, { update: { order: "start-first" } });
    const { fleet, h } = await deployed(v1);
    const samples: number[] = [];
    const stop = sampleEvery(fleet, 50, () => samples.push(fleet.serving("web")));
    const { result } = await h.pass(state(v2));
    stop();
    expect(result.rollouts[0]?.status).toBe("completed");
    expect(fleet.serving("web", v2.specHash)).toBe(3);
    expect(fleet.containers("web")).toHaveLength(3); // cleanup removed the superseded ones
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(3);
    expect(Math.max(...samples)).toBe(4); // one extra at a time (parallelism 1)
  });

  it("stop-first takes one replica down before its replacement starts, never more", async () => {
    const v1 = web(1, { update: { order: "stop-first" } });
    const v2 = web(2, { update: { order: "stop-first" } });
    const { fleet, h } = await deployed(v1);
    const samples: number[] = [];
    const stop = sampleEvery(fleet, 50, () => samples.push(fleet.serving("web")));
    await h.pass(state(v2));
    stop();
    expect(fleet.serving("web", v2.specHash)).toBe(3);
    expect(Math.min(...samples)).toBe(2);
    expect(Math.max(...samples)).toBe(3);
  });

  it("updates `parallelism` replicas at a time and waits `delay` between batches", async () => {
    const opts = { replicas: 4, update: { parallelism: 2, delayMs: 10_000, order: "start-first" as const } };
    const { fleet, h } = await deployed(web(1, opts));
    const t0 = fleet.time.now();
    fleet.ops.length = 0;
    await h.pass(state(web(2, opts)));
    const creates = fleet.ops.filter((o) => o.op === "create").map((o) => o.time - t0);
    expect(creates).toHaveLength(4);
    const [a, b, c, d] = creates;
    // Two waves of two concurrent creates, the second at least `delay` after the first became healthy.
    expect(b).toBe(a);
    expect(d).toBe(c);
    expect((c ?? 0) - (a ?? 0)).toBeGreaterThanOrEqual(10_000 + 1000 + 2000);
  });

  it("with parallelism 0 replaces every replica at once", async () => {
    const opts = { update: { parallelism: 0, order: "start-first" as const } };
    const { fleet, h } = await deployed(web(1, opts));
    fleet.ops.length = 0;
    await h.pass(state(web(2, opts)));
    const creates = new Set(fleet.ops.filter((o) => o.op === "create").map((o) => o.time));
    expect(creates.size).toBe(1);
    expect(fleet.serving("web", web(2).specHash)).toBe(3);
  });

  it("pulls the image on every host that lacks it before changing anything", async () => {
    const { fleet, h } = await deployed(web(1));
    fleet.ops.length = 0;
    await h.pass(state(web(2)));
    const pulls = fleet.ops.filter((o) => o.op === "pull");
    const firstChange = fleet.ops.find((o) => o.op !== "pull");
    expect(pulls.map((p) => p.host).sort()).toEqual(HOSTS);
    expect(Math.max(...pulls.map((p) => p.time))).toBeLessThanOrEqual(firstChange?.time ?? 0);
  });
});
