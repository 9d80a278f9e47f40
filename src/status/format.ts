// Small pure formatters shared by the YAML and Markdown renderings. No Date:
// time is formatted from epoch milliseconds arithmetically (UTC).

import { civilFromDays } from "../model/civil-date.js";

/** "2024-05-01T12:00:03Z" (second precision: status is for people and diffs). */
export function isoTime(ms: number): string {
  const secs = Math.floor(ms / 1000);
  const days = Math.floor(secs / 86400);
  const rem = secs - days * 86400;
  const { year: y, month: m, date: d } = civilFromDays(days);
  const p = (n: number, w = 2): string => String(n).padStart(w, "0");
  const hh = Math.floor(rem / 3600);
  const mm = Math.floor((rem % 3600) / 60);
  return `${p(y, 4)}-${p(m)}-${p(d)}T${p(hh)}:${p(mm)}:${p(rem % 60)}Z`;
}

export function cpus(nanoCpus: number): number {
  return Math.round(nanoCpus / 1e6) / 1000;
}

export function humanBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  const text = u === 0 || v >= 100 ? String(Math.round(v)) : String(Math.round(v * 10) / 10);
  return `${text} ${units[u]}`;
}

export const shortId = (id: string): string => id.slice(0, 12);
export const shortCommit = (c: string): string => c.slice(0, 12);
export const shortHash = (h: string): string => h.slice(0, 8);

/** First line of a commit message. */
export function subject(message: string): string {
  return (message.split("\n")[0] ?? "").trim();
}

/** "1" < "2" < "10" < "h1": slots sort numerically when they are numbers. */
export function compareSlots(a: string, b: string): number {
  const na = /^[0-9]+$/.test(a) ? Number(a) : NaN;
  const nb = /^[0-9]+$/.test(b) ? Number(b) : NaN;
  if (!Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
  if (!Number.isNaN(na)) return -1;
  if (!Number.isNaN(nb)) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The inverse of isoTime ("2024-05-01T12:00:03Z" → ms since epoch); undefined for anything else. */
export function parseIsoTime(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/.exec(text);
  if (m === null) return undefined;
  const [y, mo, d, hh, mm, ss] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  // Howard Hinnant's days_from_civil.
  const yy = mo <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  const days = era * 146097 + doe - 719468;
  return ((days * 24 + hh) * 60 + mm) * 60_000 + ss * 1000;
}
