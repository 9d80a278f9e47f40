import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  appendEvent,
  appendEvents,
  emptyEventLog,
  eventsOf,
  recentEvents,
  retainServices,
  type StatusEvent,
} from "../../../src/status/index.js";
import { isoTime } from "../../../src/status/format.js";

const ev = (time: number, service?: string): StatusEvent => ({
  time,
  kind: "created",
  ...(service !== undefined ? { service } : {}),
  message: `t${time}`,
});

describe("EventLog", () => {
  it("keeps the last `limit` events per service, dropping the oldest", () => {
    const log = appendEvents(emptyEventLog(3), [ev(1, "a"), ev(2, "a"), ev(3, "b"), ev(4, "a"), ev(5, "a")]);
    expect(eventsOf(log, "a").map((e) => e.time)).toEqual([5, 4, 2]);
    expect(eventsOf(log, "b").map((e) => e.time)).toEqual([3]);
  });

  it("is immutable: appending returns a new log", () => {
    const a = emptyEventLog();
    const b = appendEvent(a, ev(1, "x"));
    expect(eventsOf(a, "x")).toEqual([]);
    expect(eventsOf(b, "x")).toHaveLength(1);
  });

  it("merges services and cluster-wide events newest first", () => {
    const log = appendEvents(emptyEventLog(), [ev(1, "a"), ev(3), ev(2, "b")]);
    expect(recentEvents(log, 10).map((e) => e.time)).toEqual([3, 2, 1]);
    expect(recentEvents(log, 2).map((e) => e.time)).toEqual([3, 2]);
  });

  it("forgets services that are gone, keeping cluster-wide events", () => {
    const log = retainServices(
      appendEvents(emptyEventLog(), [ev(1, "a"), ev(2, "b"), ev(3)]),
      new Set(["b"]),
    );
    expect(recentEvents(log, 10).map((e) => e.time)).toEqual([3, 2]);
  });
});

describe("isoTime", () => {
  it("agrees with Date for any instant from 1970 to 2200", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 7_258_118_400_000 }), (ms) => {
        expect(isoTime(ms)).toBe(new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z"));
      }),
    );
  });
});
