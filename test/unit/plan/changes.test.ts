import { describe, expect, it } from "vitest";
import type { ObservedReplica } from "../../../src/model/observed.js";
import type { ServiceSpec } from "../../../src/model/spec.js";
import { plan } from "../../../src/plan/index.js";
import type { Plan, PlanOptions, Step, Task } from "../../../src/plan/types.js";
import { schedule } from "../../../src/schedule/index.js";
import { desiredState, host, observedCluster, replica, service, type TestHost } from "../../support/fixtures.js";

function planFor(
  hosts: readonly TestHost[],
  services: readonly ServiceSpec[],
  replicas: readonly ObservedReplica[],
  options: PlanOptions = {},
): Plan {
  const d = desiredState(hosts, services);
  const obs = observedCluster(hosts, replicas);
  return plan(d, schedule(d, obs), obs, options);
}

const tasks = (p: Plan): Task[] => p.rollouts.flatMap((r) => r.batches.flatMap((b) => b.tasks));
const brief = (p: Plan) => tasks(p).map((t) => [t.change, t.slot, t.host, t.steps.map((s) => s.kind).join(" ")]);
const allSteps = (p: Plan): Step[] =>
  p.rollouts.flatMap((r) => [...r.prepare, ...r.batches.flatMap((b) => b.tasks.flatMap((t) => t.steps)), ...r.cleanup]);

const hosts = [host("h1"), host("h2")];

describe("converged cluster", () => {
  it("yields an empty plan", () => {
    const api = service("api", { replicas: 2 });
    const p = planFor(hosts, [api], [replica(api, "1", "h1"), replica(api, "2", "h2")]);
    expect(p).toEqual({ rollouts: [], held: [] });
  });

  it("leaves a replica that is still starting alone", () => {
    const api = service("api", { healthcheck: true });
    expect(planFor(hosts, [api], [replica(api, "1", "h1", { health: "starting" })]).rollouts).toEqual([]);
  });
});

describe("create", () => {
  it("creates, starts and waits for each new slot, in one non-rolling batch", () => {
    const p = planFor(hosts, [service("api", { replicas: 2 })], []);
    expect(brief(p)).toEqual([
      ["create", "1", "h1", "create start wait-healthy"],
      ["create", "2", "h2", "create start wait-healthy"],
    ]);
    expect(p.rollouts[0]?.batches.map((b) => b.rolling)).toEqual([false]);
    const create = tasks(p)[0]?.steps[0];
    expect(create).toMatchObject({ kind: "create", service: "api", slot: "1", name: "gf-test-api-1-api0000a" });
  });

  it("starts a container that was created but never started instead of creating another", () => {
    const api = service("api");
    expect(brief(planFor(hosts, [api], [replica(api, "1", "h1", { state: "created" })]))).toEqual([
      ["create", "1", "h1", "start wait-healthy"],
    ]);
  });
});

describe("pulls", () => {
  it("pulls only on hosts that get a new container and lack the image", () => {
    const api = service("api", { replicas: 3, image: "reg/api:2" });
    const hs = [host("h1", { images: ["reg/api:2"] }), host("h2", { images: [] }), host("h3")];
    const p = planFor(hs, [api], []);
    expect(p.rollouts[0]?.prepare.map((s) => [s.host, s.image, s.reason])).toEqual([
      ["h2", "reg/api:2", "image not present on h2"],
      ["h3", "reg/api:2", "images on host unknown"],
    ]);
  });

  it("pulls once per host however many replicas it gets", () => {
    const p = planFor([host("h1", { images: [] })], [service("api", { replicas: 3 })], []);
    expect(p.rollouts[0]?.prepare).toHaveLength(1);
  });
});

describe("move", () => {
  it("replaces a replica of a down host at once and sends nothing to the down host", () => {
    const api = service("api");
    const hs = [host("h1", { state: "down" }), host("h2")];
    const p = planFor(hs, [api], [replica(api, "1", "h1")]);
    expect(brief(p)).toEqual([["move", "1", "h2", "create start wait-healthy"]]);
    expect(tasks(p)[0]).toMatchObject({ from: "h1", reason: "host h1 is down" });
    expect(allSteps(p).some((s) => s.host === "h1")).toBe(false);
  });

  it("moves a live replica off a draining host as a rolling task, in update order", () => {
    const api = service("api", { update: { order: "start-first" } });
    const hs = [host("h1", { drain: true }), host("h2")];
    const p = planFor(hs, [api], [replica(api, "1", "h1")]);
    expect(brief(p)).toEqual([["move", "1", "h2", "create start wait-healthy stop"]]);
    expect(p.rollouts[0]?.batches[0]?.rolling).toBe(true);
    expect(p.rollouts[0]?.cleanup.map((s) => s.host)).toEqual(["h1"]);
  });

  it("removes a replica that must leave when no host can take it", () => {
    const api = service("api", { constraints: ["node.labels.zone == a"] });
    const hs = [host("h1", { drain: true, labels: { zone: "a" } }), host("h2")];
    const p = planFor(hs, [api], [replica(api, "1", "h1")]);
    expect(brief(p)).toEqual([["remove", "1", "h1", "stop remove"]]);
    expect(tasks(p)[0]?.reason).toBe("host h1 is draining; no other host can take it");
  });
});

describe("remove", () => {
  it("scales down by removing the highest slots at once", () => {
    const api = service("api", { replicas: 1 });
    const p = planFor(hosts, [api], [replica(api, "1", "h1"), replica(api, "2", "h2"), replica(api, "3", "h1")]);
    expect(brief(p)).toEqual([
      ["remove", "2", "h2", "stop remove"],
      ["remove", "3", "h1", "stop remove"],
    ]);
    expect(tasks(p)[0]?.reason).toBe("scaled down to 1");
  });

  it("removes every container of a service that left the repository, after the others", () => {
    const api = service("api");
    const p = planFor(hosts, [api], [replica("gone", "1", "h1"), replica("gone", "2", "h2", { state: "exited" })]);
    expect(p.rollouts.map((r) => r.service)).toEqual(["api", "gone"]);
    expect(brief({ ...p, rollouts: p.rollouts.slice(1) })).toEqual([
      ["remove", "1", "h1", "stop remove"],
      ["remove", "2", "h2", "remove"],
    ]);
  });
});

describe("duplicates (two containers for one slot)", () => {
  const api = service("api", { specHash: "new00000" });
  const cases: { what: string; reps: ObservedReplica[]; keep: string }[] = [
    {
      what: "keeps the current spec over an old one",
      reps: [replica(api, "1", "h1", { specHash: "old00000", id: "a" }), replica(api, "1", "h1", { id: "b" })],
      keep: "b",
    },
    {
      what: "keeps the healthy one when both are current",
      reps: [replica(api, "1", "h1", { id: "a", health: "unhealthy" }), replica(api, "1", "h1", { id: "b" })],
      keep: "b",
    },
    {
      what: "keeps the newest when both are current and healthy",
      reps: [replica(api, "1", "h1", { id: "a", createdAt: 9 }), replica(api, "1", "h1", { id: "b", createdAt: 3 })],
      keep: "a",
    },
  ];
  for (const c of cases) {
    it(c.what, () => {
      const p = planFor([host("h1")], [api], c.reps);
      const removed = allSteps(p).filter((s) => s.kind === "remove").map((s) => (s.kind === "remove" ? s.container.id : ""));
      expect(removed).toEqual(c.reps.map((r) => r.id).filter((id) => id !== c.keep));
    });
  }

  it("removes the copy a returning host still runs, once it answers", () => {
    const reps = [replica(api, "1", "h1", { createdAt: 1 }), replica(api, "1", "h2", { createdAt: 50 })];
    const p = planFor([host("h1", { probation: true }), host("h2")], [api], reps);
    expect(brief(p)).toEqual([["remove", "1", "h1", "stop remove"]]);
    expect(tasks(p)[0]?.reason).toBe("duplicate of api/1 (keeping gf-test-api-1-new00000 on h2)");
  });

  it("waits for the kept copy to be healthy before removing a healthy duplicate", () => {
    // An interrupted move: the new spec is starting on h1, the old one still serves on h2.
    const reps = [
      replica(api, "1", "h1", { health: "starting", createdAt: 9 }),
      replica(api, "1", "h2", { createdAt: 1, specHash: "old00000" }),
    ];
    const p = planFor([host("h1"), host("h2")], [service("api", { specHash: "new00000", healthcheck: true })], reps);
    expect(tasks(p).map((t) => t.steps.map((s) => `${s.kind}@${s.host}`))).toEqual([
      ["wait-healthy@h1", "stop@h2", "remove@h2"],
    ]);
  });

  it("leaves a duplicate on a host that does not answer", () => {
    const reps = [replica(api, "1", "h1", { createdAt: 9 }), replica(api, "1", "h2", { createdAt: 1 })];
    expect(planFor([host("h1"), host("h2", { state: "down" })], [api], reps).rollouts).toEqual([]);
  });
});

describe("restart (dead or exited replicas)", () => {
  const exited = (code: number, condition: "any" | "on-failure" | "none") => {
    const api = service("api", { restart: { condition } });
    return planFor(hosts, [api], [replica(api, "1", "h1", { state: "exited", exitCode: code })]);
  };
  const cases = [
    { condition: "any", code: 0, restarts: true },
    { condition: "any", code: 1, restarts: true },
    { condition: "on-failure", code: 1, restarts: true },
    { condition: "on-failure", code: 0, restarts: false },
    { condition: "none", code: 1, restarts: false },
  ] as const;
  for (const c of cases) {
    it(`restart_policy ${c.condition}, exit code ${c.code}: ${c.restarts ? "starts it again" : "leaves it"}`, () => {
      const p = exited(c.code, c.condition);
      expect(brief(p)).toEqual(c.restarts ? [["restart", "1", "h1", "start wait-healthy"]] : []);
    });
  }

  it("holds a slot back while the controller says its restart delay runs", () => {
    const api = service("api");
    const p = planFor(hosts, [api], [replica(api, "1", "h1", { state: "exited", exitCode: 1 })], {
      holdRestart: new Set(["api/1"]),
    });
    expect(p.rollouts).toEqual([]);
  });

  it("replaces a dead container", () => {
    const api = service("api");
    expect(brief(planFor(hosts, [api], [replica(api, "1", "h1", { state: "dead" })]))).toEqual([
      ["restart", "1", "h1", "remove create start wait-healthy"],
    ]);
  });

  it("restarts an unhealthy replica", () => {
    const api = service("api", { healthcheck: true });
    expect(brief(planFor(hosts, [api], [replica(api, "1", "h1", { health: "unhealthy" })]))).toEqual([
      ["restart", "1", "h1", "stop start wait-healthy"],
    ]);
  });
});

describe("held services (a failed rollout)", () => {
  it("does not roll the failed spec out again, but restarts what exited", () => {
    const api = service("api", { replicas: 2, specHash: "bad00000" });
    const reps = [
      replica(api, "1", "h1", { specHash: "good0000" }),
      replica(api, "2", "h2", { specHash: "good0000", state: "exited", exitCode: 137 }),
    ];
    const p = planFor(hosts, [api], reps, { hold: new Map([["api", "bad00000"]]) });
    expect(brief(p)).toEqual([["restart", "2", "h2", "start wait-healthy"]]);
    expect(p.held).toEqual([{ service: "api", specHash: "bad00000", reason: "its rollout failed; waiting for a new spec" }]);
  });

  it("rolls out again once the spec changes", () => {
    const api = service("api", { specHash: "fixed000" });
    const p = planFor(hosts, [api], [replica(api, "1", "h1", { specHash: "good0000" })], {
      hold: new Map([["api", "bad00000"]]),
    });
    expect(brief(p)).toEqual([["update", "1", "h1", "stop create start wait-healthy"]]);
  });
});
