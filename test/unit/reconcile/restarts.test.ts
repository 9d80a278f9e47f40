import { describe, expect, it } from "vitest";
import { RestartBook, restartHolds } from "../../../src/reconcile/memory/restarts.js";
import type { ObservedReplica } from "../../../src/model/observed.js";
import type { RestartPolicy } from "../../../src/model/spec.js";
import { desiredState, host, replica, service } from "../../support/fixtures.js";

const T = 1_700_000_000_000;

function setup(restart: Partial<RestartPolicy>) {
  const web = service("web", { replicas: 1, restart });
  const desired = desiredState([host("h1")], [web]);
  const exited = (finishedAt: number, restartCount = 0): ObservedReplica => ({
    ...replica(web, "1", "h1", { state: "exited", exitCode: 1, restartCount }),
    finishedAt,
  });
  return { web, desired, exited };
}

describe("restart_policy holds", () => {
  it("holds a restart until `delay` after the container finished, and says when to wake", () => {
    const { desired, exited } = setup({ delayMs: 5000 });
    const book = new RestartBook(() => T);
    const early = restartHolds(desired, [exited(T - 2000)], book, T);
    expect([...early.held]).toEqual(["web/1"]);
    expect(early.wakeAt).toBe(T + 3000);
    expect(early.reasons.get("web/1")).toContain("3s left");
    expect(restartHolds(desired, [exited(T - 5000)], book, T).held.size).toBe(0);
  });

  it("gives up after max_attempts restarts when there is no window", () => {
    const { desired, exited } = setup({ delayMs: 0, maxAttempts: 3, windowMs: 0 });
    const book = new RestartBook(() => T);
    expect(restartHolds(desired, [exited(T - 10_000, 2)], book, T).held.size).toBe(0);
    const out = restartHolds(desired, [exited(T - 10_000, 3)], book, T);
    expect([...out.held]).toEqual(["web/1"]);
    expect(out.wakeAt).toBeUndefined();
  });

  it("counts max_attempts within the window only, and wakes when the oldest attempt leaves it", () => {
    const { desired, exited } = setup({ delayMs: 0, maxAttempts: 2, windowMs: 30_000 });
    let now = T;
    const book = new RestartBook(() => now);
    book.restarted({ service: "web", slot: "1", containerId: "a", inPlace: true });
    now = T + 10_000;
    book.restarted({ service: "web", slot: "1", containerId: "a", inPlace: true });
    const held = restartHolds(desired, [exited(now - 1, 2)], book, now);
    expect([...held.held]).toEqual(["web/1"]);
    expect(held.wakeAt).toBe(T + 30_000);
    expect(restartHolds(desired, [exited(now - 1, 2)], book, T + 30_001).held.size).toBe(0);
  });

  it("leaves replicas alone that run, or have an older spec (their replacement is an update)", () => {
    const { web, desired } = setup({ delayMs: 60_000 });
    const running = replica(web, "1", "h1");
    const old = {
      ...replica(web, "1", "h1", { state: "exited", specHash: "old", exitCode: 1 }),
      finishedAt: T,
    };
    expect(restartHolds(desired, [running, old], new RestartBook(() => T), T).held.size).toBe(0);
  });

  it("adds in-place restarts to the count read from labels", () => {
    const { web } = setup({});
    const book = new RestartBook(() => T);
    const r = replica(web, "1", "h1", { id: "abc", restartCount: 2 });
    book.restarted({ service: "web", slot: "1", containerId: "abc", inPlace: true });
    expect(book.apply([r])[0]?.restartCount).toBe(3);
    expect(book.restartsOf("web", "1")).toBe(3);
    book.retain([]);
    expect(book.apply([r])[0]?.restartCount).toBe(2);
  });
});

describe("the restart book across passes", () => {
  it("gives an idle pass its replicas back as they are, and a slot's count when a replacement asks", () => {
    const web = service("web", { replicas: 2 });
    const book = new RestartBook(() => T);
    const replicas = [replica(web, "1", "h1", { restartCount: 3 }), replica(web, "2", "h1")];
    // Nothing restarted in place, nothing stopped by us: the same array, no copy of each replica.
    expect(book.apply(replicas)).toBe(replicas);
    expect(book.restartsOf("web", "1")).toBe(3);
    expect(book.restartsOf("web", "2")).toBe(0);
    book.restarted({ service: "web", slot: "1", containerId: replicas[0]?.id ?? "", inPlace: true });
    expect(book.restartsOf("web", "1")).toBe(4);
    // Restarted in place: that replica shows the restart, the others are the same objects.
    const after = book.apply(replicas);
    expect(after).not.toBe(replicas);
    expect(after[0]?.restartCount).toBe(4);
    expect(after[1]).toBe(replicas[1]);
    expect(book.restartsOf("web", "1")).toBe(4);
  });
});
