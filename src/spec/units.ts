// Compose's units, parsed exactly: durations (Go syntax: "1m30s", "500ms")
// to milliseconds, sizes ("256M", "1g", bytes) to bytes with Docker's binary
// multipliers, CPU counts ("0.5", 2) to nano-CPUs as the Engine API wants.
// Each returns the value, or the reason it cannot take the input.

export type Parsed =
  { readonly ok: true; readonly value: number } | { readonly ok: false; readonly reason: string };

const DURATION_UNITS_NS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

const DURATION = /^(?:0|(?:[0-9]+(?:\.[0-9]+)?(?:ns|us|µs|ms|s|m|h))+)$/;
const DURATION_PART = /([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/g;

export function parseDuration(text: string): Parsed {
  if (!DURATION.test(text)) {
    return fail('write a number with a unit, e.g. "500ms", "10s", "1m30s" (units: ns, us, ms, s, m, h)');
  }
  let ns = 0;
  for (const m of text.matchAll(DURATION_PART)) {
    ns += Number(m[1]) * (DURATION_UNITS_NS[m[2] ?? ""] ?? 0);
  }
  const ms = Math.round(ns) / 1e6;
  if (!Number.isInteger(ms)) return fail("gitfleet counts durations in whole milliseconds");
  if (!Number.isSafeInteger(ms)) return fail("it is too long");
  return { ok: true, value: ms };
}

const SIZE = /^([0-9]+(?:\.[0-9]+)?) ?([kmgtp]?)i?b?$/i;
const SIZE_MULTIPLIERS: Readonly<Record<string, number>> = {
  "": 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
};

export function parseSize(value: string | number): Parsed {
  if (typeof value === "number") {
    return Number.isSafeInteger(value) && value >= 0
      ? { ok: true, value }
      : fail("write a whole number of bytes");
  }
  const m = SIZE.exec(value);
  if (!m) return fail('write bytes or a number with a unit, e.g. "512k", "256M", "1g"');
  const bytes = Math.floor(Number(m[1]) * (SIZE_MULTIPLIERS[(m[2] ?? "").toLowerCase()] ?? 1));
  if (!Number.isSafeInteger(bytes)) return fail("it is too large");
  return { ok: true, value: bytes };
}

const CPUS = /^([0-9]+)(?:\.([0-9]+))?$/;

/** Exact decimal arithmetic, as Docker's --cpus: "0.1" is 100000000, never 99999999. */
export function parseCpus(value: string | number): Parsed {
  const text = typeof value === "number" ? numberToPlain(value) : value;
  const m = text === undefined ? null : CPUS.exec(text);
  if (!m) return fail('write a number of CPUs such as 0.5 or "2"');
  const whole = m[1] ?? "0";
  const fraction = (m[2] ?? "").replace(/0+$/, "");
  if (fraction.length > 9) return fail("it is more precise than one nano-CPU");
  const nano = Number(whole) * 1e9 + Number(fraction.padEnd(9, "0"));
  if (!Number.isSafeInteger(nano)) return fail("it is too large");
  return { ok: true, value: nano };
}

function numberToPlain(n: number): string | undefined {
  if (!Number.isFinite(n) || n < 0) return undefined;
  const s = String(n);
  // Exponent forms (1e-10, 1e21) are outside what a CPU count can sensibly be.
  return s.includes("e") ? undefined : s;
}

function fail(reason: string): Parsed {
  return { ok: false, reason };
}
