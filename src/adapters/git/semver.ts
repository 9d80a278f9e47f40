// A small semantic-version matcher for tracking "the highest tag matching a
// range" (npm range syntax: comparators, ^, ~, x-ranges, hyphen ranges, ||).
// Tags may carry a leading "v". Pre-releases match only when a comparator of
// the same set names a pre-release of the same major.minor.patch, as in npm.

import { GitAdapterError } from "./errors.js";

export interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly prerelease: readonly (string | number)[];
}

type Op = "<" | "<=" | ">" | ">=" | "=";
interface Comparator {
  readonly op: Op;
  readonly version: Version;
}
export type Range = readonly (readonly Comparator[])[];

const VERSION = /^[vV]?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;
const PARTIAL =
  /^[vV]?(\d+|[xX*])?(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

export function parseVersion(text: string): Version | undefined {
  const m = VERSION.exec(text.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), prerelease: parsePre(m[4]) };
}

function parsePre(text: string | undefined): (string | number)[] {
  if (!text) return [];
  return text.split(".").map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

export function compareVersions(a: Version, b: Version): number {
  const core = a.major - b.major || a.minor - b.minor || a.patch - b.patch;
  if (core !== 0) return Math.sign(core);
  if (a.prerelease.length === 0 || b.prerelease.length === 0) {
    return b.prerelease.length - a.prerelease.length === 0 ? 0 : a.prerelease.length === 0 ? 1 : -1;
  }
  for (let i = 0; i < Math.max(a.prerelease.length, b.prerelease.length); i++) {
    const x = a.prerelease[i];
    const y = b.prerelease[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    if (typeof x === "number" && typeof y === "number") return Math.sign(x - y);
    if (typeof x === "number") return -1;
    if (typeof y === "number") return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

export function parseRange(text: string): Range {
  const sets = text.split("||").map((set) => parseSet(set.trim(), text));
  return sets;
}

function parseSet(set: string, whole: string): Comparator[] {
  const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(set);
  if (hyphen?.[1] && hyphen[2]) {
    return [...desugar(">=", partial(hyphen[1], whole)), ...desugar("<=", partial(hyphen[2], whole))];
  }
  const tokens = set
    .replace(/(<=|>=|<|>|=|\^|~)\s+/g, "$1")
    .split(/\s+/)
    .filter(Boolean);
  if (tokens.length === 0) return desugar("", partial("*", whole));
  return tokens.flatMap((token) => {
    const m = /^(<=|>=|<|>|=|\^|~)?(.*)$/.exec(token);
    return desugar(m?.[1] ?? "", partial(m?.[2] ?? "", whole));
  });
}

interface Partial {
  readonly parts: readonly (number | undefined)[]; // undefined = wildcard
  readonly prerelease: readonly (string | number)[];
}

function partial(text: string, whole: string): Partial {
  const m = PARTIAL.exec(text);
  if (!m || text === "") throw new GitAdapterError("git-config-invalid", `not a semver range: "${whole}"`);
  const num = (s: string | undefined): number | undefined =>
    s === undefined || /[xX*]/.test(s) ? undefined : Number(s);
  const parts = [num(m[1]), num(m[2]), num(m[3])];
  // Once a part is a wildcard, everything after it is too ("1.x.3" means "1.x").
  const cut = parts.indexOf(undefined);
  return {
    parts: cut < 0 ? parts : parts.map((p, i) => (i < cut ? p : undefined)),
    prerelease: parsePre(m[4]),
  };
}

const v = (major: number, minor: number, patch: number, prerelease: (string | number)[] = []): Version => ({
  major,
  minor,
  patch,
  prerelease,
});
/** The lowest version above every release of the given prefix: "<x" excludes x's pre-releases too. */
const below = (major: number, minor: number, patch: number): Comparator => ({
  op: "<",
  version: v(major, minor, patch, [0]),
});

function desugar(op: string, p: Partial): Comparator[] {
  const [M, m, pt] = p.parts;
  const pre = [...p.prerelease];
  const full = M !== undefined && m !== undefined && pt !== undefined;
  if (M === undefined)
    return op === "<" || op === ">" ? [below(0, 0, 0)] : [{ op: ">=", version: v(0, 0, 0) }];
  const low = v(M, m ?? 0, pt ?? 0, full ? pre : []);
  const upperOfPartial = m === undefined ? below(M + 1, 0, 0) : below(M, m + 1, 0);
  switch (op) {
    case "":
    case "=":
      return full ? [{ op: "=", version: low }] : [{ op: ">=", version: low }, upperOfPartial];
    case ">":
      return full
        ? [{ op: ">", version: low }]
        : [{ op: ">=", version: { ...upperOfPartial.version, prerelease: [] } }];
    case ">=":
      return [{ op: ">=", version: low }];
    case "<":
      return [{ op: "<", version: full ? low : v(M, m ?? 0, 0, [0]) }];
    case "<=":
      return full ? [{ op: "<=", version: low }] : [upperOfPartial];
    case "~":
      return [{ op: ">=", version: low }, upperOfPartial];
    case "^": {
      const upper =
        M > 0 || m === undefined
          ? below(M + 1, 0, 0)
          : m > 0 || pt === undefined
            ? below(0, m + 1, 0)
            : below(0, 0, pt + 1);
      return [{ op: ">=", version: low }, upper];
    }
    default:
      return [];
  }
}

function test(c: Comparator, x: Version): boolean {
  const cmp = compareVersions(x, c.version);
  switch (c.op) {
    case "<":
      return cmp < 0;
    case "<=":
      return cmp <= 0;
    case ">":
      return cmp > 0;
    case ">=":
      return cmp >= 0;
    case "=":
      return cmp === 0;
  }
}

export function satisfies(x: Version, range: Range): boolean {
  return range.some((set) => {
    if (!set.every((c) => test(c, x))) return false;
    if (x.prerelease.length === 0) return true;
    // Bounds we added ourselves ("<2.0.0-0") do not opt into pre-releases.
    return set.some(
      (c) =>
        c.version.prerelease.length > 0 &&
        !(c.op === "<" && c.version.prerelease.length === 1 && c.version.prerelease[0] === 0) &&
        c.version.major === x.major &&
        c.version.minor === x.minor &&
        c.version.patch === x.patch,
    );
  });
}

/** The name with the highest version satisfying `range`, among names that parse as versions. */
export function highestMatching(names: Iterable<string>, range: Range): string | undefined {
  let best: { name: string; version: Version } | undefined;
  for (const name of names) {
    const version = parseVersion(name);
    if (!version || !satisfies(version, range)) continue;
    if (!best || compareVersions(version, best.version) > 0) best = { name, version };
  }
  return best?.name;
}
