// Deny windows (as Argo CD's sync windows): a cron schedule, in UTC or in the
// window's IANA time zone, says when a window opens and a duration (elapsed
// time, not wall-clock time) how long it stays open. While one is
// open, new commits wait; healing and failover go on. Pure: the schedule is
// parsed here (the loader reports what does not parse) and "is a window open
// at t" is answered by looking back over the window's duration for a firing
// time, so no state is kept and a restart changes nothing.
//
// Syntax: node-cron's (the poll schedule's): five fields (minute hour
// day-of-month month day-of-week) or six with seconds first; `*`, numbers,
// ranges `a-b`, steps `*/n` and `a-b/n`, lists `a,b`, month and weekday names
// (jan, mon), 7 for Sunday. Day of month and day of week both restricted
// means either, as in cron.
//
// In a time zone with daylight saving time, the day the clocks change has
// wall times that do not exist or exist twice; cron's answer, kept here: a
// window whose opening time falls in the hour the clocks skip opens when they
// skip it (at the change: 02:30 on a spring-forward day at 02:00 opens at
// 03:00 new time), so a freeze is never lost for a day; a window whose opening
// time happens twice opens once, at the first (02:30 on a fall-back day opens
// at 02:30 summer time, and its duration runs from then).

import { civilFromDays } from "./civil-date.js";
import { offsetSpans, type OffsetSpan } from "./time-zone.js";

export interface SyncWindow {
  readonly schedule: string;
  readonly durationMs: number;
  readonly description?: string;
  /** IANA zone name the schedule reads in (absent: UTC); checked by the loader (knownTimeZone). */
  readonly timeZone?: string;
}

export interface OpenWindow {
  readonly window: SyncWindow;
  /** ms since epoch: when it opened and when it closes. */
  readonly openedAt: number;
  readonly closesAt: number;
}

interface Cron {
  readonly seconds: ReadonlySet<number>;
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly days: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  readonly weekdays: ReadonlySet<number>;
  readonly dayStar: boolean;
  readonly weekdayStar: boolean;
  /** Six fields: firing times are whole seconds; five: whole minutes. */
  readonly withSeconds: boolean;
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const WEEKDAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/** The parsed schedule, or why it does not parse. */
export function parseCron(text: string): { ok: true; cron: Cron } | { ok: false; reason: string } {
  const fields = text.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6)
    return {
      ok: false,
      reason: `it has ${fields.length} fields; write 5 (minute hour day month weekday) or 6 (seconds first)`,
    };
  const withSeconds = fields.length === 6;
  const [sec, min, hour, day, month, weekday] = withSeconds ? fields : ["0", ...fields];
  try {
    const weekdays = field(weekday!, 0, 7, WEEKDAYS, "day of week");
    if (weekdays.has(7)) weekdays.add(0);
    return {
      ok: true,
      cron: {
        seconds: field(sec!, 0, 59, [], "seconds"),
        minutes: field(min!, 0, 59, [], "minute"),
        hours: field(hour!, 0, 23, [], "hour"),
        days: field(day!, 1, 31, [], "day of month"),
        months: field(month!, 1, 12, MONTHS, "month", 1),
        weekdays,
        dayStar: day === "*",
        weekdayStar: weekday === "*",
        withSeconds,
      },
    };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
}

function field(
  text: string,
  lo: number,
  hi: number,
  names: readonly string[],
  what: string,
  base = 0,
): Set<number> {
  const out = new Set<number>();
  const value = (v: string): number => {
    const named = names.indexOf(v.toLowerCase());
    const n = named >= 0 ? named + base : /^\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(n) || n < lo || n > hi) throw new Error(`${what} "${v}" is not in ${lo}-${hi}`);
    return n;
  };
  for (const part of text.split(",")) {
    const [range, stepText] = part.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1)
      throw new Error(`${what}: step "${stepText}" is not a positive number`);
    let from: number;
    let to: number;
    if (range === "*") [from, to] = [lo, hi];
    else if (range !== undefined && range.includes("-")) {
      const [a, b] = range.split("-");
      [from, to] = [value(a ?? ""), value(b ?? "")];
      if (from > to) throw new Error(`${what}: range "${range}" runs backwards`);
    } else {
      from = value(range ?? "");
      to = stepText === undefined ? from : hi;
    }
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

/** Whether the schedule fires at this instant (UTC, whole seconds or minutes). */
export function cronFires(cron: Cron, ms: number): boolean {
  if (ms % 1000 !== 0) return false;
  const secs = ms / 1000;
  const days = Math.floor(secs / 86400);
  const rem = secs - days * 86400;
  if (!cron.seconds.has(rem % 60)) return false;
  if (!cron.minutes.has(Math.floor(rem / 60) % 60) || !cron.hours.has(Math.floor(rem / 3600))) return false;
  const { month, date } = civilFromDays(days);
  if (!cron.months.has(month)) return false;
  const day = cron.days.has(date);
  // 1970-01-01 was a Thursday.
  const weekday = cron.weekdays.has((((days + 4) % 7) + 7) % 7);
  if (cron.dayStar || cron.weekdayStar) return day && weekday;
  return day || weekday;
}

/** The window open at `now`, if any (the one closing last when several are). */
export function openWindow(windows: readonly SyncWindow[], now: number): OpenWindow | undefined {
  let best: OpenWindow | undefined;
  for (const window of windows) {
    const open = lastOpening(window, now);
    if (open !== undefined && (best === undefined || open.closesAt > best.closesAt)) best = open;
  }
  return best;
}

/** The window's newest opening that is still open at `now`. */
function lastOpening(window: SyncWindow, now: number): OpenWindow | undefined {
  const parsed = parseCron(window.schedule);
  if (!parsed.ok || window.durationMs <= 0) return undefined;
  const step = parsed.cron.withSeconds ? 1000 : 60_000;
  const opens =
    window.timeZone === undefined
      ? (t: number) => cronFires(parsed.cron, t)
      : zonedOpenings(
          parsed.cron,
          step,
          offsetSpans(window.timeZone, now - window.durationMs - DAY, now + 1),
        );
  // Opening times in (now - duration, now], newest first: the first found closes last.
  for (let t = Math.floor(now / step) * step; t > now - window.durationMs; t -= step)
    if (opens(t)) return { window, openedAt: t, closesAt: t + window.durationMs };
  return undefined;
}

const DAY = 86_400_000;

/**
 * Whether the window opens at instant t (a multiple of step), its fields read on the zone's
 * wall clock. `spans` reach a day before the instants asked about, so the offset before a
 * change is known for every t.
 */
function zonedOpenings(cron: Cron, step: number, spans: readonly OffsetSpan[]): (t: number) => boolean {
  return (t) => {
    let k = spans.length - 1;
    while (k > 0 && spans[k]!.start > t) k--;
    const span = spans[k]!;
    const before = spans[k - 1];
    if (cronFires(cron, t + span.offsetMs)) {
      // A wall time the clocks turned back to (it was shown before the change) opened already.
      const repeated = before !== undefined && t < span.start + (before.offsetMs - span.offsetMs);
      if (!repeated) return true;
    }
    if (before === undefined || before.offsetMs >= span.offsetMs) return false;
    // The first instant on or after a change forward opens the window for each skipped wall time.
    if (span.start > t || span.start <= t - step) return false;
    const firstSkipped = Math.ceil((span.start + before.offsetMs) / step) * step;
    for (let wall = firstSkipped; wall < span.start + span.offsetMs; wall += step)
      if (cronFires(cron, wall)) return true;
    return false;
  };
}
