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
  // Letters, not numbers: events that differ only in numbers are repeats of one another.
  message: `event ${"abcdefghij"[time] ?? ""}`,
});

describe("EventLog", () => {
  it("keeps the last `limit` events per service, dropping the oldest", () => {
    const log = appendEvents(emptyEventLog(3), [ev(1, "a"), ev(2, "a"), ev(3, "b"), ev(4, "a"), ev(5, "a")]);
    expect(eventsOf(log, "a").map((e) => e.time)).toEqual([5, 4, 2]);
    expect(eventsOf(log, "b").map((e) => e.time)).toEqual([3]);
  });

  it("keeps one event for its repeats (same but for numbers), newest time, with a count", () => {
    const pull = (time: number, attempt: number): StatusEvent => ({
      time,
      kind: "image-pull-failed",
      service: "web",
      slot: "1",
      host: "h1",
      message: `image-pull-failed: web:9 on h1: attempt ${attempt}`,
    });
    const log = appendEvents(emptyEventLog(20), [
      ev(1, "web"),
      pull(2, 1),
      { ...ev(3, "web"), kind: "paused" },
      pull(4, 2),
      pull(9, 3),
    ]);
    expect(eventsOf(log, "web").map((e) => [e.time, e.kind, e.count])).toEqual([
      [9, "image-pull-failed", 3],
      [3, "paused", undefined],
      [1, "created", undefined],
    ]);
  });

  it("drops the oldest routine event before any failure when full", () => {
    const failed = (time: number): StatusEvent => ({ ...ev(time, "a"), kind: "paused" });
    const log = appendEvents(emptyEventLog(3), [failed(1), ev(2, "a"), ev(3, "a"), ev(4, "a"), failed(5)]);
    expect(eventsOf(log, "a").map((e) => [e.time, e.kind])).toEqual([
      [5, "paused"],
      [4, "created"],
      [1, "paused"],
    ]);
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
