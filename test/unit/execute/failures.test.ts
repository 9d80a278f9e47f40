import { describe, expect, it } from "vitest";
import type { FailureAction, ServiceSpec } from "../../../src/model/spec.js";
import type { ServiceOptions } from "../../support/fixtures.js";
import { deployed as deployedSpec } from "../../support/fakes/execute-harness.js";
import { state, webVersion } from "../../support/web-service.js";

function web(version: number, o: ServiceOptions = {}): ServiceSpec {
  return webVersion(version, {
    ...o,
    update: { monitorMs: 5000, order: "start-first", ...o.update },
    rollback: { parallelism: 0, order: "stop-first", monitorMs: 1000, ...o.rollback },
  });
}

const deployed = (o: ServiceOptions = {}) => deployedSpec(web(1, o));

function updateWith(action: FailureAction, maxFailureRatio = 0): ServiceOptions {
  return { update: { failureAction: action, maxFailureRatio } };
}

describe("executor: failed rolling updates", () => {
  it("rolls back when a new replica dies within the monitor window", async () => {
    const { fleet, h } = await deployed(updateWith("rollback"));
    // Healthy after 1 s, then crashes at 3 s: inside the 5 s monitor window.
    fleet.behaviours.set("web:2", { healthyAfterMs: 1000, exitAfterMs: 3000 });
    const { result } = await h.pass(state(web(2, updateWith("rollback"))));
    const r = result.rollouts[0];
    expect(r?.status).toBe("rolled-back");
    expect(r?.message).toContain("within the monitor window");
    expect(fleet.serving("web", web(1).specHash)).toBe(3);
    expect(fleet.containers("web").filter((c) => c.specHash === web(2).specHash)).toEqual([]);
    const kinds = h.events.of("web").map((e) => e.kind);
    expect(kinds).toContain("update-failed");
    expect(kinds.at(-1)).toBe("rolled-back");
  });

  it("rolls back every started task, most recent first, when a later batch fails", async () => {
    const { fleet, h } = await deployed(updateWith("rollback"));
    // The third replica (h3) never turns healthy; the first two went through.
    fleet.host("h3").hostBehaviours.set("web:2", { unhealthyAfterMs: 1500 });
    const { result } = await h.pass(state(web(2, updateWith("rollback"))));
    expect(result.rollouts[0]?.status).toBe("rolled-back");
    expect(result.rollouts[0]?.tasks.map((t) => t.status)).toEqual(["ok", "ok", "failed"]);
    expect(fleet.serving("web", web(1).specHash)).toBe(3);
    expect(fleet.containers("web")).toHaveLength(3);
  });

  it("stops nothing when the new image cannot be pulled, and neither rolls back nor pauses", async () => {
    for (const order of ["start-first", "stop-first"] as const) {
      const opts: ServiceOptions = { update: { failureAction: "rollback", order } };
      const { fleet, h } = await deployed(opts);
      fleet.behaviours.set("web:2", { pullFails: true });
      const before = fleet
        .containers("web")
        .map((c) => c.id)
        .sort();
      fleet.ops.length = 0;
      const { result } = await h.pass(state(web(2, opts)));
      const r = result.rollouts[0];
      // Nothing started: the spec is not judged; the pull is retried with backoff by the controller.
      expect(r?.status).toBe("failed");
      expect(r?.tasks.map((t) => [t.status, t.stepsRun, t.failure?.code])).toEqual([
        ["failed", 0, "image-pull-failed"],
        ["failed", 0, "image-pull-failed"],
        ["failed", 0, "image-pull-failed"],
      ]);
      expect(r?.pulls?.map((p) => [p.host, p.image, p.error !== undefined])).toEqual([
        ["h1", "web:2", true],
        ["h2", "web:2", true],
        ["h3", "web:2", true],
      ]);
      expect(fleet.ops.filter((o) => o.op !== "pull").map((o) => o.op)).toEqual([]);
      expect(
        fleet
          .containers("web")
          .map((c) => c.id)
          .sort(),
      ).toEqual(before);
      expect(fleet.serving("web", web(1).specHash)).toBe(3);
      const kinds = h.events.of("web").map((e) => e.kind);
      expect(kinds.filter((k) => k === "image-pull-failed")).toHaveLength(3);
      expect(kinds).not.toContain("update-failed");
      expect(kinds).not.toContain("rolled-back");
    }
  });

  it("pauses after the first failure and leaves the remaining batches alone", async () => {
    const { fleet, h } = await deployed(updateWith("pause"));
    fleet.behaviours.set("web:2", { unhealthyAfterMs: 1500 });
    const { result } = await h.pass(state(web(2, updateWith("pause"))));
    expect(result.rollouts[0]?.status).toBe("paused");
    expect(result.rollouts[0]?.tasks).toHaveLength(1);
    // start-first: the old replica of the failed slot still serves; nothing was cleaned up.
    expect(fleet.serving("web", web(1).specHash)).toBe(3);
    expect(fleet.containers("web")).toHaveLength(4);
    expect(h.events.of("web").at(-1)?.kind).toBe("paused");
  });

  it("continues past failures with failure_action continue", async () => {
    const { fleet, h } = await deployed(updateWith("continue"));
    fleet.host("h2").hostBehaviours.set("web:2", { unhealthyAfterMs: 1500 });
    const { result } = await h.pass(state(web(2, updateWith("continue"))));
    expect(result.rollouts[0]?.status).toBe("failed");
    expect(result.rollouts[0]?.tasks.map((t) => t.status)).toEqual(["ok", "failed", "ok"]);
    expect(fleet.serving("web", web(2).specHash)).toBe(2);
    // The failed slot keeps its old replica (not cleaned up); the others were.
    expect(fleet.serving("web", web(1).specHash)).toBe(1);
  });

  it("tolerates failures up to max_failure_ratio before acting", async () => {
    const tolerant = updateWith("rollback", 0.34);
    const { fleet, h } = await deployed(tolerant);
    fleet.host("h1").hostBehaviours.set("web:2", { unhealthyAfterMs: 1500 });
    const { result } = await h.pass(state(web(2, tolerant)));
    // 1/3 failed ≤ 0.34: no rollback, the rest went on.
    expect(result.rollouts[0]?.status).toBe("failed");
    expect(fleet.serving("web", web(2).specHash)).toBe(2);

    const strict = updateWith("rollback", 0.3);
    const second = await deployed(strict);
    second.fleet.host("h1").hostBehaviours.set("web:2", { unhealthyAfterMs: 1500 });
    const out = await second.h.pass(state(web(2, strict)));
    expect(out.result.rollouts[0]?.status).toBe("rolled-back");
    expect(second.fleet.serving("web", web(2).specHash)).toBe(0);
  });

  it("rolls back in groups of rollback_config.parallelism with its delay between groups", async () => {
    const opts: ServiceOptions = {
      update: { failureAction: "rollback", parallelism: 0 },
      rollback: { parallelism: 1, delayMs: 4000, order: "stop-first", monitorMs: 0 },
    };
    const { fleet, h } = await deployed(opts);
    fleet.host("h3").hostBehaviours.set("web:2", { unhealthyAfterMs: 1500 });
    fleet.ops.length = 0;
    await h.pass(state(web(2, opts)));
    const undoStops = fleet.ops.filter((o) => o.op === "stop" && o.ref.includes("web2"));
    expect(undoStops).toHaveLength(3);
    expect(undoStops.map((o) => o.host)).toEqual(["h3", "h2", "h1"]); // most recent first
    const gaps = undoStops.slice(1).map((o, i) => o.time - (undoStops[i]?.time ?? 0));
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(4000);
    expect(fleet.serving("web", web(1).specHash)).toBe(3);
  });
});
