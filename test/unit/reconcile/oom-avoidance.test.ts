import { describe, expect, it } from "vitest";
import { OOM_AVOID_MS, OomAvoidance } from "../../../src/reconcile/memory/oom-avoidance.js";
import type { ObservedReplica } from "../../../src/model/observed.js";
import { replica, service } from "../../support/fixtures.js";

const T = Date.UTC(2026, 10, 25, 16, 40, 2);
const hog = service("hog");

function killed(id: string, on: string, finishedAt: number | undefined): ObservedReplica {
  const { finishedAt: _f, ...r } = replica(hog, "1", on, { state: "exited", exitCode: 137, id });
  return { ...r, oomKilled: true, ...(finishedAt !== undefined ? { finishedAt } : {}) };
}

describe("OOM avoidance", () => {
  it("avoids the host for the service during the cool-down, saying when it was killed", () => {
    const oom = new OomAvoidance();
    expect(oom.note([killed("a", "h1", T)], T + 1000)).toEqual([
      { service: "hog", slot: "1", host: "h1", at: T },
    ]);
    expect(oom.avoid(T + 1000)).toEqual(
      new Map([["hog", new Map([["h1", "OOM-killed on h1 at 16:40:02Z"]])]]),
    );
    expect(
      oom
        .avoid(T + OOM_AVOID_MS - 1)
        .get("hog")
        ?.has("h1"),
    ).toBe(true);
    expect(oom.avoid(T + OOM_AVOID_MS).size).toBe(0);
  });

  it("reports a kill once, however often the container is observed", () => {
    const oom = new OomAvoidance(60_000);
    const r = killed("a", "h1", T);
    expect(oom.note([r], T)).toHaveLength(1);
    expect(oom.note([r], T + 500)).toEqual([]);
  });

  it("keeps avoiding after the killed container is gone (replaced), until the cool-down ends", () => {
    const oom = new OomAvoidance(60_000);
    oom.note([killed("a", "h1", T)], T);
    const replacement = replica(hog, "1", "h2", { id: "b" });
    expect(oom.note([replacement], T + 10_000)).toEqual([]);
    expect([
      ...(oom
        .avoid(T + 59_999)
        .get("hog")
        ?.keys() ?? []),
    ]).toEqual(["h1"]);
    expect(oom.avoid(T + 60_000).size).toBe(0);
  });

  it("a later kill on the same host extends the cool-down; kills on two hosts avoid both", () => {
    const oom = new OomAvoidance(60_000);
    oom.note([killed("a", "h1", T)], T);
    oom.note([killed("b", "h1", T + 30_000), killed("c", "h2", T + 30_000)], T + 30_000);
    expect([
      ...(oom
        .avoid(T + 70_000)
        .get("hog")
        ?.keys() ?? []),
    ]).toEqual(["h1", "h2"]);
  });

  it("ignores kills older than the cool-down (found after an operator restart) and other exits", () => {
    const oom = new OomAvoidance(60_000);
    const plain = replica(hog, "1", "h3", { state: "exited", exitCode: 1, id: "p" });
    expect(oom.note([killed("a", "h1", T - 60_000), plain], T)).toEqual([]);
    expect(oom.avoid(T).size).toBe(0);
  });

  it("takes the observation time when Docker gave no finish time", () => {
    const oom = new OomAvoidance(60_000);
    expect(oom.note([killed("a", "h1", undefined)], T)[0]?.at).toBe(T);
  });
});
