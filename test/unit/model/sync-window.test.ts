// Deny windows: cron schedules in UTC, open for their duration after each firing.

import { describe, expect, it } from "vitest";
import { cronFires, openWindow, parseCron } from "../../../src/model/sync-window.js";

const at = (iso: string): number => Date.parse(iso);

describe("parseCron", () => {
  it("takes five or six fields, ranges, steps, lists and names", () => {
    for (const ok of [
      "0 22 * * *",
      "*/15 9-17 * * mon-fri",
      "30 0 22 * * 5",
      "0 0 1,15 jan,jul *",
      "0 0 * * 7",
    ])
      expect(parseCron(ok).ok).toBe(true);
    for (const bad of [
      "",
      "* * * *",
      "61 * * * *",
      "* 24 * * *",
      "* * * * 8",
      "*/0 * * * *",
      "5-1 * * * *",
      "x * * * *",
    ])
      expect(parseCron(bad).ok).toBe(false);
  });

  it("fires as cron does: minutes, weekdays (7 is Sunday), day-of-month OR day-of-week when both are set", () => {
    const c = (s: string) => {
      const p = parseCron(s);
      if (!p.ok) throw new Error(p.reason);
      return p.cron;
    };
    expect(cronFires(c("0 22 * * *"), at("2026-12-06T22:00:00Z"))).toBe(true);
    expect(cronFires(c("0 22 * * *"), at("2026-12-06T22:01:00Z"))).toBe(false);
    expect(cronFires(c("0 0 * * 7"), at("2026-12-06T00:00:00Z"))).toBe(true); // a Sunday
    expect(cronFires(c("0 0 * * sun"), at("2026-12-07T00:00:00Z"))).toBe(false);
    expect(cronFires(c("0 0 1 * mon"), at("2026-12-07T00:00:00Z"))).toBe(true); // Monday, not the 1st
    expect(cronFires(c("0 0 1 * mon"), at("2027-02-01T00:00:00Z"))).toBe(true); // the 1st
    expect(cronFires(c("0 0 29 feb *"), at("2028-02-29T00:00:00Z"))).toBe(true);
    expect(cronFires(c("15 30 21 * * *"), at("2026-12-06T21:30:15Z"))).toBe(true);
  });
});

describe("openWindow", () => {
  const friday = { schedule: "0 17 * * fri", durationMs: 63 * 3600_000, description: "weekend freeze" };
  it("is open from a firing for its duration, closed before and after", () => {
    expect(openWindow([friday], at("2026-12-04T16:59:59Z"))).toBeUndefined();
    const open = openWindow([friday], at("2026-12-05T12:00:00Z"));
    expect(open).toMatchObject({
      openedAt: at("2026-12-04T17:00:00Z"),
      closesAt: at("2026-12-07T08:00:00Z"),
    });
    expect(openWindow([friday], at("2026-12-07T07:59:59Z"))).toBeDefined();
    expect(openWindow([friday], at("2026-12-07T08:00:00Z"))).toBeUndefined();
  });

  it("with seconds: a short window, and the one closing last of overlapping windows", () => {
    const short = { schedule: "0 30 21 * * *", durationMs: 40_000 };
    const longer = { schedule: "0 21 * * *", durationMs: 3600_000 };
    expect(openWindow([short], at("2026-12-06T21:30:39Z"))?.closesAt).toBe(at("2026-12-06T21:30:40Z"));
    expect(openWindow([short], at("2026-12-06T21:30:40Z"))).toBeUndefined();
    expect(openWindow([short, longer], at("2026-12-06T21:30:10Z"))?.window).toBe(longer);
  });
});
