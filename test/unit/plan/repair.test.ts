import { describe, expect, it } from "vitest";
import type { ObservedReplica } from "../../../src/model/observed.js";
import { host, replica, service } from "../../support/fixtures.js";
import { allSteps, brief, planFor, tasksOf } from "../../support/plan-helpers.js";

const hosts = [host("h1"), host("h2")];

describe("duplicates (two containers for one slot)", () => {
  const api = service("api", { specHash: "new00000" });
  const cases: { what: string; reps: ObservedReplica[]; keep: string }[] = [
    {
      what: "keeps the current spec over an old one",
      reps: [
        replica(api, "1", "h1", { specHash: "old00000", id: "a" }),
        replica(api, "1", "h1", { id: "b" }),
      ],
      keep: "b",
    },
    {
      what: "keeps the healthy one when both are current",
      reps: [replica(api, "1", "h1", { id: "a", health: "unhealthy" }), replica(api, "1", "h1", { id: "b" })],
      keep: "b",
    },
    {
      what: "keeps the newest when both are current and healthy",
      reps: [
        replica(api, "1", "h1", { id: "a", createdAt: 9 }),
        replica(api, "1", "h1", { id: "b", createdAt: 3 }),
      ],
      keep: "a",
    },
  ];
  for (const c of cases) {
    it(c.what, () => {
      const p = planFor([host("h1")], [api], c.reps);
      const removed = allSteps(p)
        .filter((s) => s.kind === "remove")
        .map((s) => (s.kind === "remove" ? s.container.id : ""));
      expect(removed).toEqual(c.reps.map((r) => r.id).filter((id) => id !== c.keep));
    });
  }

  it("removes the copy a returning host still runs, once it answers", () => {
    const reps = [replica(api, "1", "h1", { createdAt: 1 }), replica(api, "1", "h2", { createdAt: 50 })];
    const p = planFor([host("h1", { probation: true }), host("h2")], [api], reps);
    expect(brief(p)).toEqual([["remove", "1", "h1", "stop remove"]]);
    expect(tasksOf(p)[0]?.reason).toBe("duplicate of api/1 (keeping gf-test-api-1-new00000 on h2)");
  });

  it("waits for the kept copy to be healthy before removing a healthy duplicate", () => {
    // An interrupted move: the new spec is starting on h1, the old one still serves on h2.
    const reps = [
      replica(api, "1", "h1", { health: "starting", createdAt: 9 }),
      replica(api, "1", "h2", { createdAt: 1, specHash: "old00000" }),
    ];
    const p = planFor(
      [host("h1"), host("h2")],
      [service("api", { specHash: "new00000", healthcheck: true })],
      reps,
    );
    expect(tasksOf(p).map((t) => t.steps.map((s) => `${s.kind}@${s.host}`))).toEqual([
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
    // Replaced, not started again: Docker 20.10 remounts a tmpfs as root 0755 on a restart in place.
    it(`restart_policy ${c.condition}, exit code ${c.code}: ${c.restarts ? "replaces it" : "leaves it"}`, () => {
      const p = exited(c.code, c.condition);
      expect(brief(p)).toEqual(
        c.restarts ? [["restart", "1", "h1", "remove create start wait-healthy"]] : [],
      );
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

  it("replaces an unhealthy replica, like an exited one", () => {
    const api = service("api", { healthcheck: true });
    expect(brief(planFor(hosts, [api], [replica(api, "1", "h1", { health: "unhealthy" })]))).toEqual([
      ["restart", "1", "h1", "stop remove create start wait-healthy"],
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
    expect(p.held).toEqual([
      { service: "api", specHash: "bad00000", reason: "its rollout failed; waiting for a new spec" },
    ]);
  });

  it("rolls out again once the spec changes", () => {
    const api = service("api", { specHash: "fixed000" });
    const p = planFor(hosts, [api], [replica(api, "1", "h1", { specHash: "good0000" })], {
      hold: new Map([["api", "bad00000"]]),
    });
    expect(brief(p)).toEqual([["update", "1", "h1", "stop create start wait-healthy"]]);
  });
});
