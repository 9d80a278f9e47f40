// The status files kept across passes: what the memo gives is always what a
// render gives (finished), an input with the same data in fresh objects (a
// host read again, the host rows built anew each pass) renders nothing, and
// any change of the data renders again.

import { describe, expect, it } from "vitest";
import { render, sameData, StatusMemo, type StatusInput } from "../../../src/status/index.js";
import { appendEvent } from "../../../src/status/event-log.js";
import { syncedInput } from "./fixtures.js";

const shout = (t: string): string => t.toUpperCase();

function finished(input: StatusInput): Map<string, string> {
  return new Map([...render(input)].map(([p, t]) => [p, shout(t)]));
}

/** The same data in objects none of which is the original's. */
function copy(input: StatusInput): StatusInput {
  return structuredClone(input);
}

describe("StatusMemo", () => {
  it("gives what render gives, finished, whatever it rendered before", () => {
    const memo = new StatusMemo(shout);
    const a = syncedInput();
    const b = {
      ...a,
      replicas: a.replicas.map((r, i) => (i === 0 ? { ...r, health: "unhealthy" as const } : r)),
    };
    const c = { ...a, outage: { since: 0, error: "git down" } };
    for (const input of [a, copy(a), b, b, c, a, copy(b)])
      expect(new Map(memo.render(input))).toEqual(finished(input));
  });

  it("renders nothing for an input with the same data in fresh objects", () => {
    const memo = new StatusMemo();
    const a = syncedInput();
    const first = memo.render(a);
    expect(memo.lastWork.reused).toBe(false);
    const again = memo.render(copy(a));
    expect(memo.lastWork.reused).toBe(true);
    expect(again).toBe(first);
  });

  it("renders again when a replica's health, a host's state or an event changed", () => {
    const a = syncedInput();
    const changed: StatusInput[] = [
      { ...a, replicas: a.replicas.map((r, i) => (i === 1 ? { ...r, health: "unhealthy" as const } : r)) },
      { ...a, hosts: a.hosts.map((h, i) => (i === 0 ? { ...h, state: "down" as const } : h)) },
      {
        ...a,
        events: appendEvent(a.events, {
          time: 1_700_000_000_000,
          kind: "failed",
          service: "web",
          message: "x",
        }),
      },
      {
        ...a,
        desired: {
          ...(a.desired ?? { commit: "", author: "", message: "", timestamp: 0 }),
          commit: "f".repeat(40),
        },
      },
    ];
    for (const input of changed) {
      const memo = new StatusMemo();
      const before = memo.render(a);
      const after = memo.render(input);
      expect(memo.lastWork.reused).toBe(false);
      expect(new Map(after)).toEqual(render(input));
      expect(new Map(after)).not.toEqual(new Map(before));
    }
  });
});

describe("StatusMemo, one service changed", () => {
  it("makes that service's summary, YAML file and Markdown section again, and no other's", () => {
    const memo = new StatusMemo(shout);
    const a = syncedInput();
    memo.render(a);
    expect([...memo.lastWork.services].sort()).toEqual(["api", "web"]);
    // One replica of web turns unhealthy (a host read again: every replica a fresh object).
    const b = copy({
      ...a,
      replicas: a.replicas.map((r, i) => (i === 1 ? { ...r, health: "unhealthy" as const } : r)),
    });
    const files = memo.render(b);
    expect(memo.lastWork).toEqual({ reused: false, services: ["web"] });
    expect(new Map(files)).toEqual(finished(b));
    // An event of api: its file is written again from the summary kept.
    const c = {
      ...b,
      events: appendEvent(b.events, {
        time: 1_700_000_000_000,
        kind: "failed",
        service: "api",
        message: "x",
      }),
    };
    expect(new Map(memo.render(c))).toEqual(finished(c));
    expect(memo.lastWork.services).toEqual([]);
    // A service removed from the desired state and back: made again, as at first.
    const d = { ...c, services: c.services.filter((s) => s.spec.name !== "api") };
    expect(new Map(memo.render(d))).toEqual(finished(d));
    expect(new Map(memo.render(c))).toEqual(finished(c));
    expect(memo.lastWork.services).toEqual(["api"]);
  });
});

describe("StatusMemo, pass after pass", () => {
  it("gives a full render's bytes through 300 random changes and repeats", () => {
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const memo = new StatusMemo(shout);
    let input = syncedInput();
    for (let i = 0; i < 300; i++) {
      const k = rnd(6);
      const at = rnd(input.replicas.length);
      if (k === 0)
        input = {
          ...input,
          replicas: input.replicas.map((r, j) =>
            j === at
              ? { ...r, health: r.health === "healthy" ? ("unhealthy" as const) : ("healthy" as const) }
              : r,
          ),
        };
      else if (k === 1)
        input = {
          ...input,
          replicas: input.replicas.map((r, j) =>
            j === at
              ? { ...r, state: r.state === "running" ? ("exited" as const) : ("running" as const) }
              : r,
          ),
        };
      else if (k === 2)
        input = {
          ...input,
          hosts: input.hosts.map((h, j) =>
            j === at % input.hosts.length
              ? { ...h, state: h.state === "up" ? ("down" as const) : ("up" as const) }
              : h,
          ),
        };
      else if (k === 3)
        input = {
          ...input,
          events: appendEvent(input.events, {
            time: 1_700_000_000_000 + i,
            kind: "failed",
            service: rnd(2) === 0 ? "web" : "api",
            message: `failure ${i}`,
          }),
        };
      else if (k === 4) input = copy(input); // a host read again: same data, fresh objects
      expect(new Map(memo.render(input))).toEqual(finished(input));
    }
  });
});

describe("sameData", () => {
  it("compares plain data by content, keys in order, and anything else by identity", () => {
    expect(sameData({ a: 1, b: [1, { c: "x" }] }, { a: 1, b: [1, { c: "x" }] })).toBe(true);
    expect(sameData({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(false);
    expect(sameData({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(sameData([1, 2], [1, 2, 3])).toBe(false);
    expect(sameData([1], { 0: 1 })).toBe(false);
    expect(sameData(new Map([[1, 2]]), new Map([[1, 2]]))).toBe(false);
    const m = new Map();
    expect(sameData({ m }, { m })).toBe(true);
    expect(sameData(null, {})).toBe(false);
    expect(sameData("1", 1)).toBe(false);
  });
});
