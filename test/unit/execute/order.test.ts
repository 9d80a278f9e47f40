import { describe, expect, it } from "vitest";
import type { DesiredState, ServiceSpec } from "../../../src/model/spec.js";
import { desiredState, host, service } from "../../support/fixtures.js";
import { FakeFleet } from "../../support/fakes/fake-fleet.js";
import { FakeTime } from "../../support/fakes/fake-time.js";
import { harness } from "../../support/fakes/execute-harness.js";

const HOSTS = ["h1", "h2", "h3"];
const state = (...services: ServiceSpec[]): DesiredState =>
  desiredState(
    HOSTS.map((h) => host(h)),
    services,
  );

const db = (image = "db:1") =>
  service("db", { image, specHash: `db-${image}`.padEnd(16, "0"), healthcheck: true, replicas: 1 });
const api = service("api", {
  image: "api:1",
  specHash: "api1".padEnd(16, "0"),
  replicas: 2,
  dependsOn: ["db"],
});

describe("executor: order, cancellation, restarts", () => {
  it("starts a rollout only after the rollouts it waits for are healthy", async () => {
    const fleet = new FakeFleet(new FakeTime(), HOSTS);
    fleet.behaviours.set("db:1", { healthyAfterMs: 3000 });
    const h = harness(fleet);
    const { plan, result } = await h.pass(state(api, db()));
    expect(plan.rollouts.map((r) => [r.service, r.waitFor])).toEqual([
      ["db", []],
      ["api", ["db"]],
    ]);
    expect(result.rollouts.map((r) => r.status)).toEqual(["completed", "completed"]);
    const dbHealthy = h.events.of("db").find((e) => e.kind === "healthy")?.time ?? Infinity;
    const apiCreates = fleet.ops.filter((o) => o.op === "create" && o.ref.startsWith("api/"));
    expect(apiCreates).toHaveLength(2);
    for (const c of apiCreates) expect(c.time).toBeGreaterThan(dbHealthy);
  });

  it("skips a rollout whose dependency failed, and says why", async () => {
    const fleet = new FakeFleet(new FakeTime(), HOSTS);
    fleet.behaviours.set("db:bad", { exitAfterMs: 500, exitCode: 3 });
    const h = harness(fleet);
    const { result } = await h.pass(state(api, db("db:bad")));
    expect(result.rollouts.map((r) => [r.rollout.service, r.status])).toEqual([
      ["db", "failed"],
      ["api", "skipped"],
    ]);
    expect(fleet.containers("api")).toEqual([]);
    expect(h.events.of("api").at(-1)?.message).toContain("db (failed)");
    expect(h.events.of("db").find((e) => e.kind === "failed")?.message).toContain("exited with code 3");
  });

  it("on cancellation finishes the step in flight, then stops", async () => {
    const fleet = new FakeFleet(new FakeTime(), HOSTS, 1000);
    const h = harness(fleet);
    const web = (v: number) =>
      service("web", {
        replicas: 3,
        image: `web:${v}`,
        specHash: `web${v}`.padEnd(16, "0"),
        healthcheck: true,
        update: { order: "start-first" },
      });
    await h.pass(state(web(1)));
    const plan = await h.plan(state(web(2)));
    const t0 = fleet.time.now();
    fleet.ops.length = 0;
    // SIGTERM arrives 2.5 s in: during the first task's create (pulls took 1 s, create 1 s, start...).
    fleet.time.after(2500, () => h.abort.abort());
    const { executePlan } = await import("../../../src/execute/index.js");
    const result = await fleet.time.run(executePlan(h.ctx(state(web(2))), plan));
    expect(result.cancelled).toBe(true);
    expect(result.rollouts[0]?.status).toBe("cancelled");
    // The step in flight at 2.5 s (start, ending at 3 s) completed; nothing began afterwards.
    const last = Math.max(...fleet.ops.map((o) => o.time)) - t0;
    expect(last).toBe(3000);
    expect(fleet.ops.map((o) => o.op)).toEqual(["pull", "pull", "pull", "create", "start"]);
    // Nothing was rolled back or cleaned up: the old replicas still serve.
    expect(fleet.serving("web", web(1).specHash)).toBe(3);
  });

  it("replaces an exited replica on its host and counts the restart in the new one's label", async () => {
    const fleet = new FakeFleet(new FakeTime(), HOSTS);
    const h = harness(fleet);
    const web = service("web", { replicas: 1, image: "web:1", specHash: "web1".padEnd(16, "0") });
    await h.pass(state(web));
    const [c] = fleet.containers("web");
    fleet.host(hostOf(fleet, c?.id ?? "")).kill(c?.id ?? "");
    const { plan } = await h.pass(state(web));
    expect(plan.rollouts[0]?.batches[0]?.tasks[0]?.change).toBe("restart");
    const now = fleet.containers("web");
    expect(now.map((x) => x.state)).toEqual(["running"]);
    expect(now[0]?.id).not.toBe(c?.id);
    expect(now[0]?.restarts).toBe(1);
    // Counted once: by the label (stateless), nothing added in memory.
    const observed = h.restarts.apply((await fleet.time.run(fleet.observed())).replicas);
    expect(observed[0]?.restartCount).toBe(1);
    expect(h.restarts.restartsOf("web", "1")).toBe(1);
    expect(h.events.of("web").at(-1)?.kind).toBe("restarted");
  });

  it("carries the slot's restart count onto a replacement container", async () => {
    const fleet = new FakeFleet(new FakeTime(), HOSTS);
    const h = harness(fleet);
    const v1 = service("web", { replicas: 1, image: "web:1", specHash: "web1".padEnd(16, "0") });
    const v2 = service("web", { replicas: 1, image: "web:2", specHash: "web2".padEnd(16, "0") });
    fleet.host("h1").seed({ service: v1, slot: "1", commit: "c", restarts: 4 });
    await h.pass(state(v2));
    const [c] = fleet.containers("web");
    expect(c?.specHash).toBe(v2.specHash);
    expect(c?.restarts).toBe(4);
    expect(h.restarts.restartsOf("web", "1")).toBe(4);
  });
});

function hostOf(fleet: FakeFleet, id: string): string {
  for (const [name, h] of fleet.hosts) if (h.containers.has(id)) return name;
  throw new Error(`no container ${id}`);
}
