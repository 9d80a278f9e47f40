// Deny windows: cron schedules in UTC or a time zone (DST days defined), open for their duration after each firing.

import { describe, expect, it } from "vitest";
import { cronFires, openWindow, parseCron } from "../../../src/model/sync-window.js";
import { knownTimeZone, offsetSpans } from "../../../src/model/time-zone.js";

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

describe("openWindow in a time zone", () => {
  const berlin = (schedule: string, hours: number) => ({
    schedule,
    durationMs: hours * 3600_000,
    timeZone: "Europe/Berlin",
  });

  it("reads the schedule on the zone's wall clock, winter and summer", () => {
    const friday = { ...berlin("0 17 * * fri", 63), description: "weekend freeze" };
    // CET (UTC+1): Friday 17:00 is 16:00Z; 63 elapsed hours later is Monday 07:00Z.
    expect(openWindow([friday], at("2026-12-04T15:59:59Z"))).toBeUndefined();
    expect(openWindow([friday], at("2026-12-05T12:00:00Z"))).toMatchObject({
      openedAt: at("2026-12-04T16:00:00Z"),
      closesAt: at("2026-12-07T07:00:00Z"),
    });
    // CEST (UTC+2): 15:00Z.
    expect(openWindow([friday], at("2026-07-03T15:00:00Z"))?.openedAt).toBe(at("2026-07-03T15:00:00Z"));
    expect(openWindow([friday], at("2026-07-03T14:59:59Z"))).toBeUndefined();
  });

  it("a wall time the clocks skip (spring forward) opens the window at the change, for its full duration", () => {
    // 2026-03-29: 02:00 CET (01:00Z) becomes 03:00 CEST; 02:00-02:59 do not exist.
    for (const schedule of ["30 2 * * *", "0 2 * * *", "59 2 * * *"]) {
      const w = berlin(schedule, 1);
      expect(openWindow([w], at("2026-03-29T00:59:59Z")), schedule).toBeUndefined();
      expect(openWindow([w], at("2026-03-29T01:00:00Z")), schedule).toMatchObject({
        openedAt: at("2026-03-29T01:00:00Z"),
        closesAt: at("2026-03-29T02:00:00Z"),
      });
      expect(openWindow([w], at("2026-03-29T02:00:00Z")), schedule).toBeUndefined();
    }
    // The day before and after, 02:30 exists (CET 01:30Z, CEST 00:30Z).
    expect(openWindow([berlin("30 2 * * *", 1)], at("2026-03-28T01:30:00Z"))?.openedAt).toBe(
      at("2026-03-28T01:30:00Z"),
    );
    expect(openWindow([berlin("30 2 * * *", 1)], at("2026-03-30T00:30:00Z"))?.openedAt).toBe(
      at("2026-03-30T00:30:00Z"),
    );
    // 03:00 exists on the day (it is the change's first wall time): opens then, once.
    expect(openWindow([berlin("0 3 * * *", 1)], at("2026-03-29T01:30:00Z"))?.openedAt).toBe(
      at("2026-03-29T01:00:00Z"),
    );
  });

  it("a wall time that happens twice (fall back) opens the window once, at the first", () => {
    // 2026-10-25: 03:00 CEST (01:00Z) becomes 02:00 CET; 02:00-02:59 happen at 00:00Z and 01:00Z.
    const w = berlin("30 2 * * *", 1);
    expect(openWindow([w], at("2026-10-25T00:29:59Z"))).toBeUndefined();
    expect(openWindow([w], at("2026-10-25T00:30:00Z"))).toMatchObject({
      openedAt: at("2026-10-25T00:30:00Z"),
      closesAt: at("2026-10-25T01:30:00Z"),
    });
    // The second 02:30 (CET, 01:30Z) does not open it again.
    expect(openWindow([w], at("2026-10-25T01:30:00Z"))).toBeUndefined();
    expect(openWindow([w], at("2026-10-25T02:00:00Z"))).toBeUndefined();
    // A window longer than the repeated hour runs its elapsed duration from the first.
    expect(openWindow([berlin("30 2 * * *", 3)], at("2026-10-25T03:29:59Z"))?.closesAt).toBe(
      at("2026-10-25T03:30:00Z"),
    );
    // The next day, 02:30 CET is 01:30Z.
    expect(openWindow([w], at("2026-10-26T01:30:00Z"))?.openedAt).toBe(at("2026-10-26T01:30:00Z"));
  });

  it("a zone without DST is a fixed offset; UTC named is UTC", () => {
    const tokyo = { schedule: "0 9 * * *", durationMs: 3600_000, timeZone: "Asia/Tokyo" };
    expect(openWindow([tokyo], at("2026-03-29T00:00:00Z"))?.openedAt).toBe(at("2026-03-29T00:00:00Z"));
    const utc = { schedule: "0 9 * * *", durationMs: 3600_000, timeZone: "UTC" };
    expect(openWindow([utc], at("2026-03-29T09:00:00Z"))?.openedAt).toBe(at("2026-03-29T09:00:00Z"));
  });
});

describe("time zones", () => {
  it("knows IANA names, not offsets or made-up names", () => {
    for (const ok of [
      "Europe/Berlin",
      "America/New_York",
      "UTC",
      "Etc/GMT+5",
      "America/Argentina/Buenos_Aires",
    ])
      expect(knownTimeZone(ok), ok).toBe(true);
    for (const bad of ["", "Mars/Olympus_Mons", "+01:00", "Europe/Berlin ", "../etc/passwd"])
      expect(knownTimeZone(bad), bad).toBe(false);
  });

  it("finds an offset change to the second", () => {
    const spans = offsetSpans("America/New_York", at("2026-03-07T00:00:00Z"), at("2026-03-10T00:00:00Z"));
    // 2026-03-08 02:00 EST (07:00Z) becomes 03:00 EDT.
    expect(spans).toEqual([
      { start: at("2026-03-07T00:00:00Z"), end: at("2026-03-08T07:00:00Z"), offsetMs: -5 * 3600_000 },
      { start: at("2026-03-08T07:00:00Z"), end: at("2026-03-10T00:00:00Z"), offsetMs: -4 * 3600_000 },
    ]);
  });
});
