// Wall-clock time in an IANA time zone, pure: Intl's time zone data (the ICU
// that Node ships) gives a zone's UTC offset at an instant; no Date and no
// process clock. A sync window in a zone matches its cron fields against the
// wall clock there, and has to know where the offset changes (DST) to define
// the wall times that a change skips or repeats.

/** A stretch of time with one UTC offset: [start, end) in ms since epoch. */
export interface OffsetSpan {
  readonly start: number;
  readonly end: number;
  /** Wall clock minus UTC, ms. */
  readonly offsetMs: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(zone, f);
  }
  return f;
}

/**
 * Whether `name` is an IANA zone name this Node knows ("Europe/Berlin", "UTC"). Offsets
 * ("+01:00") and abbreviations ("CET" aside, which IANA lists) are not names: a fixed
 * offset is a zone without DST, and the name says which rules a team means.
 */
export function knownTimeZone(name: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/.test(name)) return false;
  try {
    formatter(name);
    return true;
  } catch {
    return false;
  }
}

/** The zone's UTC offset at `ms` (whole seconds; `ms` is taken at whole seconds). */
export function offsetAt(zone: string, ms: number): number {
  const at = Math.floor(ms / 1000) * 1000;
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(at))
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  const wall =
    daysFromCivil(parts["year"] ?? 1970, parts["month"] ?? 1, parts["day"] ?? 1) * 86_400_000 +
    ((parts["hour"] ?? 0) * 3600 + (parts["minute"] ?? 0) * 60 + (parts["second"] ?? 0)) * 1000;
  return wall - at;
}

/**
 * The zone's offsets over [from, to): consecutive spans, each change found to the second.
 * The range is looked at a day at a time, so changes closer together than a day could be
 * missed; no zone has had two within a day (DST changes are months apart).
 */
export function offsetSpans(zone: string, from: number, to: number): OffsetSpan[] {
  const spans: OffsetSpan[] = [];
  let start = Math.floor(from / 1000) * 1000;
  let offset = offsetAt(zone, start);
  for (let lo = start; lo < to; lo += 86_400_000) {
    const hi = Math.min(lo + 86_400_000, Math.ceil(to / 1000) * 1000);
    if (offsetAt(zone, hi) === offset) continue;
    const change = firstWithNewOffset(zone, lo, hi, offset);
    spans.push({ start, end: change, offsetMs: offset });
    start = change;
    offset = offsetAt(zone, change);
  }
  spans.push({ start, end: Math.max(start, to), offsetMs: offset });
  return spans;
}

/** The first whole second in (lo, hi] whose offset is not `offset` (hi's is not). */
function firstWithNewOffset(zone: string, lo: number, hi: number, offset: number): number {
  let [a, b] = [lo, hi];
  while (b - a > 1000) {
    const mid = a + Math.floor((b - a) / 2000) * 1000;
    if (offsetAt(zone, mid) === offset) a = mid;
    else b = mid;
  }
  return b;
}

/** Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}
