// Failed replicas are replaced by a new container (never started again in
// place: Docker 20.10 remounts a tmpfs as root 0755 on a restart), on their host
// or, after an OOM kill, on another host with room; restart_policy governs both.

import { describe, expect, it } from "vitest";
import type { ObservedReplica } from "../../../src/model/observed.js";
import type { ServiceSpec } from "../../../src/model/spec.js";
import { plan } from "../../../src/plan/index.js";
import type { PlanOptions } from "../../../src/plan/types.js";
import { schedule } from "../../../src/schedule/index.js";
import { desiredState, host, observedCluster, replica, service } from "../../support/fixtures.js";
import { brief, tasksOf } from "../../support/plan-helpers.js";

const hosts = [host("h1"), host("h2")];
const WHY = "OOM-killed on h1 at 16:40:02Z";

const oomed = (svc: ServiceSpec, on: string): ObservedReplica => ({
  ...replica(svc, "1", on, { state: "exited", exitCode: 137, id: "old" }),
  oomKilled: true,
});

function planAvoiding(svc: ServiceSpec, reps: readonly ObservedReplica[], options: PlanOptions = {}) {
  const d = desiredState(hosts, [svc]);
  const obs = observedCluster(hosts, reps);
  const avoid = new Map([[svc.name, new Map([["h1", WHY]])]]);
  return plan(d, schedule(d, obs, { avoid }), obs, options);
}

describe("replacing failed replicas", () => {
  it("replaces an exited replica on its host: remove first, the new one takes the same name", () => {
    const api = service("api");
    const old = replica(api, "1", "h1", { state: "exited", exitCode: 1, id: "old" });
    const d = desiredState(hosts, [api]);
    const obs = observedCluster(hosts, [old]);
    const [task] = tasksOf(plan(d, schedule(d, obs), obs));
    expect(task?.change).toBe("restart");
    expect(task?.reason).toBe("exited with code 1");
    const [remove, create] = task?.steps ?? [];
    expect(remove).toMatchObject({ kind: "remove", host: "h1", container: { id: "old" } });
    expect(create).toMatchObject({ kind: "create", host: "h1", slot: "1", name: old.name });
  });

  it("says when the kernel killed it for memory", () => {
    const api = service("api");
    const d = desiredState(hosts, [api]);
    const obs = observedCluster(hosts, [oomed(api, "h1")]);
    expect(tasksOf(plan(d, schedule(d, obs), obs))[0]?.reason).toBe("OOM-killed (exit code 137)");
  });

  it("starts a created replica that never ran, without replacing it", () => {
    const api = service("api");
    const d = desiredState(hosts, [api]);
    const obs = observedCluster(hosts, [replica(api, "1", "h1", { state: "created" })]);
    expect(brief(plan(d, schedule(d, obs), obs))).toEqual([["create", "1", "h1", "start wait-healthy"]]);
  });
});

describe("an OOM-killed replica moves", () => {
  it("to another host: a move that counts as a restart, the old container removed after", () => {
    const hog = service("hog");
    const p = planAvoiding(hog, [oomed(hog, "h1")]);
    expect(brief(p)).toEqual([["move", "1", "h2", "create start wait-healthy remove"]]);
    const [task] = tasksOf(p);
    expect(task).toMatchObject({ from: "h1", host: "h2", reason: WHY, restart: true });
    expect(task?.steps.at(-1)).toMatchObject({ kind: "remove", host: "h1", container: { id: "old" } });
  });

  it("not while restart_policy's delay or max_attempts holds the slot back", () => {
    const hog = service("hog");
    expect(planAvoiding(hog, [oomed(hog, "h1")], { holdRestart: new Set(["hog/1"]) }).rollouts).toEqual([]);
  });

  it("not when restart_policy's condition is none", () => {
    const hog = service("hog", { restart: { condition: "none" } });
    expect(planAvoiding(hog, [oomed(hog, "h1")]).rollouts).toEqual([]);
  });

  it("a move of a live replica is no restart", () => {
    const api = service("api", { constraints: ["node.labels.zone == b"] });
    const zoned = [host("h1", { labels: { zone: "a" } }), host("h2", { labels: { zone: "b" } })];
    const d = desiredState(zoned, [api]);
    const obs = observedCluster(zoned, [replica(api, "1", "h1")]);
    const [task] = tasksOf(plan(d, schedule(d, obs), obs));
    expect(task?.change).toBe("move");
    expect(task?.restart).toBeUndefined();
  });
});
