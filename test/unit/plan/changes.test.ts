import { describe, expect, it } from "vitest";
import { host, replica, service } from "../../support/fixtures.js";
import { allSteps, brief, planFor, tasksOf } from "../../support/plan-helpers.js";

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
    const create = tasksOf(p)[0]?.steps[0];
    expect(create).toMatchObject({
      kind: "create",
      service: "api",
      slot: "1",
      name: "gf-test-api-1-api0000a",
    });
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
    expect(tasksOf(p)[0]).toMatchObject({ from: "h1", reason: "host h1 is down" });
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

  it("starts the replacement before stopping the old replica on a move, even for a stop-first service", () => {
    const api = service("api", { update: { order: "stop-first" } });
    const hs = [host("h1", { drain: true }), host("h2")];
    const p = planFor(hs, [api], [replica(api, "1", "h1")]);
    expect(brief(p)).toEqual([["move", "1", "h2", "create start wait-healthy stop"]]);
  });

  it("keeps stop-first for an update in place", () => {
    const api = service("api", { update: { order: "stop-first" } });
    const old = replica(api, "1", "h1", { specHash: "old00000" });
    expect(brief(planFor(hosts, [api], [old]))).toEqual([
      ["update", "1", "h1", "stop create start wait-healthy"],
    ]);
  });

  it("removes a replica that must leave when no host can take it", () => {
    const api = service("api", { constraints: ["node.labels.zone == a"] });
    const hs = [host("h1", { drain: true, labels: { zone: "a" } }), host("h2")];
    const p = planFor(hs, [api], [replica(api, "1", "h1")]);
    expect(brief(p)).toEqual([["remove", "1", "h1", "stop remove"]]);
    expect(tasksOf(p)[0]?.reason).toBe("host h1 is draining; no other host can take it");
  });
});

describe("remove", () => {
  it("scales down by removing the highest slots at once", () => {
    const api = service("api", { replicas: 1 });
    const p = planFor(
      hosts,
      [api],
      [replica(api, "1", "h1"), replica(api, "2", "h2"), replica(api, "3", "h1")],
    );
    expect(brief(p)).toEqual([
      ["remove", "2", "h2", "stop remove"],
      ["remove", "3", "h1", "stop remove"],
    ]);
    expect(tasksOf(p)[0]?.reason).toBe("scaled down to 1");
  });

  it("removes every container of a service that left the repository, after the others", () => {
    const api = service("api");
    const p = planFor(
      hosts,
      [api],
      [replica("gone", "1", "h1"), replica("gone", "2", "h2", { state: "exited" })],
    );
    expect(p.rollouts.map((r) => r.service)).toEqual(["api", "gone"]);
    expect(brief({ ...p, rollouts: p.rollouts.slice(1) })).toEqual([
      ["remove", "1", "h1", "stop remove"],
      ["remove", "2", "h2", "remove"],
    ]);
  });
});
