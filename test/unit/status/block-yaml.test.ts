// blockYaml writes what `yaml` writes, or declines: compared on generated
// documents (seeded, so a failure repeats) made of the shapes status files
// have and of strings chosen to hit every quoting rule, and on a status
// render of the shared fixtures.

import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { blockYaml } from "../../../src/status/block-yaml.js";
import { appendEvent } from "../../../src/status/event-log.js";
import { summarise } from "../../../src/status/summarise.js";
import { clusterDoc, serviceDoc, YAML_OPTIONS } from "../../../src/status/yaml-files.js";
import { DESIRED, REJECTED, syncedInput } from "./fixtures.js";

const yaml = (v: unknown): string => stringify(v, YAML_OPTIONS);

/** Small deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Strings that YAML reads as something else, or that need quotes, or that blockYaml declines. */
const TRICKY = [
  "",
  "web",
  "h1",
  "2026-12-07T04:21:37.000Z",
  "1234567",
  "0755",
  "1e10",
  "1e+10",
  ".5",
  "3.",
  "0x1f",
  "0o17",
  "+12",
  "-3",
  "true",
  "False",
  "NULL",
  "~",
  "null",
  ".inf",
  "-.Inf",
  ".nan",
  "yes",
  "on",
  "a: b",
  "a:b",
  "ends:",
  "ends ",
  " starts",
  "-",
  "- item",
  "-x",
  "?",
  "? q",
  "?x",
  "#c",
  "a #c",
  "a#c",
  "@at",
  "`tick",
  "%pct",
  "!bang",
  "&amp",
  "*star",
  "|pipe",
  ">gt",
  "[x]",
  "{x}",
  "a,b",
  ",a",
  "it's",
  'say "hi"',
  `both ' and "`,
  '"quoted"',
  "'single'",
  `"both' x`,
  "it's: x",
  'say: "hi"',
  `'both" x`,
  "back\\slash",
  "1/3 → 3/3 healthy",
  "naïve",
  "---",
  "--- x",
  "...",
  "a\nb",
  "tab\there",
  "ctl\u0001",
  "nbsp\u00a0",
  "line\u2028sep",
  "x".repeat(1200),
  "registry:5000/web:1",
  "gf-sim-s1-3",
  "created gf-sim-s1-3: initial placement",
  "h1:8080",
  "sha256:abc",
];

function scalar(r: () => number): unknown {
  const x = r();
  if (x < 0.55) return TRICKY[Math.floor(r() * TRICKY.length)];
  if (x < 0.7) return Math.floor(r() * 2000) - 1000;
  if (x < 0.75) return [0.5, -0, 1e21, 1.5e-7, 123.456, Number.NaN, Infinity][Math.floor(r() * 7)];
  if (x < 0.85) return r() < 0.5;
  if (x < 0.9) return null;
  if (x < 0.93) return undefined;
  return `s${Math.floor(r() * 100)}`;
}

function value(r: () => number, depth: number): unknown {
  const x = r();
  if (depth > 3 || x < 0.5) return scalar(r);
  if (x < 0.75) return map(r, depth + 1);
  return Array.from({ length: Math.floor(r() * 4) }, () => value(r, depth + 1));
}

function map(r: () => number, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const n = Math.floor(r() * 5);
  for (let i = 0; i < n; i++) {
    const key = r() < 0.7 ? `k${Math.floor(r() * 20)}` : String(TRICKY[Math.floor(r() * TRICKY.length)]);
    out[key] = value(r, depth);
  }
  return out;
}

describe("blockYaml", () => {
  it("writes what yaml writes for every generated document it takes, and takes most", () => {
    let taken = 0;
    const runs = 4000;
    for (let seed = 1; seed <= runs; seed++) {
      const doc = map(rng(seed), 0);
      const mine = blockYaml(doc);
      if (mine === undefined) continue;
      taken++;
      expect(mine, `seed ${seed}: ${JSON.stringify(doc)}`).toBe(yaml(doc));
    }
    // The generator puts a declined string (line break, tab, control, marker, long) in many documents.
    expect(taken).toBeGreaterThan(runs / 4);
  });

  it("takes a status-like document of names, numbers and times, and declines what it cannot be sure of", () => {
    const doc = {
      name: "web",
      state: "converged",
      desired: 3,
      image: "registry:5000/web:1",
      commit: "1234567",
      replicas: [
        { slot: "1", host: "h1", health: "none", restarts: 0, created: "2026-12-07T04:21:37.000Z" },
        { slot: "2", host: "h2", ports: [], labels: {}, oom_killed: true },
      ],
      endpoints: [{ published: 8080, protocol: "tcp", backends: ["10.0.0.1:8080", "10.0.0.2:8080"] }],
      nested: [[1, 2], [], [{ a: { b: null } }]],
      events: [],
    };
    expect(blockYaml(doc)).toBe(yaml(doc));
    expect(blockYaml({ message: "two\nlines" })).toBeUndefined();
    expect(blockYaml({ when: new Date(0) })).toBeUndefined();
    expect(blockYaml({ list: [1, undefined] })).toBeUndefined();
    expect(blockYaml({})).toBe(yaml({}));
    expect(blockYaml([1, 2])).toBeUndefined();
  });

  it("takes the status documents of a render (cluster and services) and writes them as yaml does", () => {
    const base = syncedInput();
    const input = syncedInput({
      applied: DESIRED.commit,
      rejected: REJECTED,
      outage: { since: 1_700_000_060_000, error: "git-unreachable: ECONNREFUSED", fromCache: true },
      events: appendEvent(base.events, {
        time: 1_700_000_000_000,
        kind: "created",
        service: "web",
        slot: "1",
        host: "h1",
        message: "created prod-web-1: initial placement",
      }),
    });
    const model = summarise(input);
    const docs = [clusterDoc(input, model), ...model.services.map((s) => serviceDoc(input, s))];
    for (const doc of docs) {
      const mine = blockYaml(doc);
      expect(mine).toBeDefined();
      expect(mine).toBe(yaml(doc));
    }
  });
});
