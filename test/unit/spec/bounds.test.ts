// Git content is bounded input (issue 12): sizes, nesting, aliases, duplicate
// keys in linear time, exact integers, schema maxima, capped durations, a cap
// on the number of problems. Each bad input is one clean error at its
// path:line:col, and the loader never throws.

import { describe, expect, it } from "vitest";
import type { RepoFile } from "../../../src/model/spec.js";
import { DEFAULT_SPEC_LIMITS, loadSpec, MAX_TOTAL_REPLICAS } from "../../../src/spec/index.js";
import { manyKeys } from "../../support/spec-inputs.js";
import { CLUSTER, errorsOf, expectOnlyError, lines, repo, service, stateOf } from "./helpers.js";

/**
 * The CPU time (user and system, in ms) this process spent on `work`: what a quadratic check or
 * an expanded alias would cost, without the time the OS gave other processes meanwhile, which
 * wall time counts too (twenty times over on a loaded 2-core machine).
 */
function cpuTime<T>(work: () => T): { result: T; ms: number } {
  const before = process.cpuUsage();
  const result = work();
  const { user, system } = process.cpuUsage(before);
  return { result, ms: (user + system) / 1000 };
}

describe("duplicate keys", () => {
  it("finds a repeated key among 80,000 in linear time, at the repeat", () => {
    const { text, duplicateLine } = manyKeys(80_000);
    expect(text.length).toBeGreaterThan(850_000);
    const { result: e, ms } = cpuTime(() =>
      expectOnlyError(
        repo({ "services/big.yaml": text }),
        `services/big.yaml:${duplicateLine}:3`,
        "duplicate-key",
      ),
    );
    // yaml's own (quadratic) check took 45 s of CPU here; parsing itself about 1 s.
    expect(ms).toBeLessThan(20_000);
    expect(e.message).toBe('key "K0" is set twice in this mapping (first at line 5, column 3)');
  }, 120_000); // a deadline against a hang: about 1 s alone, twenty times that at load 40

  it('treats 1 and "1" as the same key (both become the same field)', () => {
    expectOnlyError(
      repo({ "services/a.yaml": service("a", "labels:", "  1: x", '  "1": y') }),
      "services/a.yaml:6:3",
      "duplicate-key",
    );
  });

  it("lets merge keys repeat", () => {
    const text = lines(
      "x-a: &a {LOG: info}",
      "x-b: &b {MODE: fast}",
      "kind: Service",
      "name: a",
      "image: busybox",
      "environment:",
      "  <<: *a",
      "  <<: *b",
    );
    const [a] = stateOf(repo({ "services/a.yaml": text })).services;
    expect(a?.environment).toEqual({ LOG: "info", MODE: "fast" });
  });
});

describe("numbers", () => {
  it("refuses replicas: 1e9 by the schema's maximum, at the value", () => {
    const e = expectOnlyError(
      repo({ "services/a.yaml": service("a", "deploy:", "  replicas: 1e9") }),
      "services/a.yaml:5:13",
      "schema",
    );
    expect(e.message).toContain("at most 100000");
  });

  it("refuses an integer a double cannot hold exactly, at the value", () => {
    const e = expectOnlyError(
      repo({ "services/a.yaml": service("a", "deploy:", "  replicas: 9007199254740993") }),
      "services/a.yaml:5:13",
      "number-too-large",
    );
    expect(e.message).toContain("9007199254740993");
  });

  it("refuses huge integers anywhere, even where a string would do", () => {
    expectOnlyError(
      repo({ "services/a.yaml": service("a", "labels: {big: 1e300}") }),
      "services/a.yaml:4:15",
      "number-too-large",
    );
  });

  it("bounds the sum of replicas across services", () => {
    // Each within the default ceiling's 10,000 per service; together past the hard bound.
    const services: Record<string, string> = {};
    for (let i = 0; i < 12; i++)
      services[`services/s${String(i).padStart(2, "0")}.yaml`] = service(`s${i}`, "deploy: {replicas: 9000}");
    expect(12 * 9000).toBeGreaterThan(MAX_TOTAL_REPLICAS);
    const e = expectOnlyError(repo(services), "services/s11.yaml:4:20", "too-many-replicas");
    expect(e.message).toContain("108000");
  });
});

describe("durations", () => {
  it("accepts 24h and refuses anything longer, so no timer overflows", () => {
    stateOf(repo({ "services/a.yaml": service("a", "stop_grace_period: 24h") }));
    const e = expectOnlyError(
      repo({ "services/a.yaml": service("a", "healthcheck: {interval: 600h}") }),
      "services/a.yaml:4:25",
      "bad-duration",
    );
    expect(e.message).toContain("at most 24h");
    expectOnlyError(
      repo({ "services/a.yaml": service("a", "deploy: {restart_policy: {delay: 99999999999999h}}") }),
      "services/a.yaml:4:34",
      "bad-duration",
    );
  });

  it("caps the cluster's settings too", () => {
    expectOnlyError(
      repo({}, `${CLUSTER}settings: {host_down_after: 25h}\n`),
      "cluster.yaml:12:29",
      "bad-duration",
    );
  });
});

describe("nesting and aliases", () => {
  it("refuses nesting deeper than the limit at the first level too deep", () => {
    const deep = `${"[".repeat(70)}${"]".repeat(70)}`;
    const e = expectOnlyError(
      repo({ "services/a.yaml": service("a", `command: ${deep}`) }),
      `services/a.yaml:4:${9 + DEFAULT_SPEC_LIMITS.maxDepth}`,
      "nesting-too-deep",
    );
    expect(e.message).toContain("64 levels");
  });

  it("answers a nesting deep enough to exhaust the parser's stack with one error at the document, the same every time", () => {
    // Where yaml runs out of stack depends on the JIT's frame sizes: the answer must not.
    for (const depth of [3_000, 20_000]) {
      const deep = `${"[".repeat(depth)}${"]".repeat(depth)}`;
      const files = repo({ "services/a.yaml": service("a", `command: ${deep}`) });
      const first = errorsOf(files);
      expect(first.map((e) => [e.path, e.line, e.col, e.code])).toEqual([
        ["services/a.yaml", 1, 1, "nesting-too-deep"],
      ]);
      expect(errorsOf(files)).toEqual(first);
      expect(errorsOf(files)).toEqual(first);
    }
  }, 60_000);

  it("refuses a billion-laughs alias bomb without expanding it", () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      bomb.push(`${cur}: &${cur} [${Array(10).fill(`*${prev}`).join(",")}]`);
    }
    const { result: errors, ms } = cpuTime(() =>
      errorsOf(repo({ "services/a.yaml": lines("kind: Service", ...bomb) })),
    );
    expect(ms).toBeLessThan(2_000); // expanding it would be 10^10 nodes
    expect(errors.map((e) => `${e.path} ${e.code}`)).toEqual(["services/a.yaml yaml-syntax"]);
    expect(errors[0]?.message).toContain("alias");
  });
});

describe("sizes", () => {
  it("refuses a file above the per-file limit", () => {
    const files = new Map<string, RepoFile>(Object.entries(repo({ "services/a.yaml": service("a") })));
    files.set("services/b.yaml", `${service("b")}# ${"x".repeat(500)}\n`);
    const r = loadSpec(files, { limits: { ...DEFAULT_SPEC_LIMITS, maxFileBytes: 400 } });
    expect(r.ok ? [] : r.errors.map((e) => `${e.path}:${e.line}:${e.col} ${e.code}`)).toEqual([
      "services/b.yaml:1:1 file-too-large",
    ]);
  });

  it("refuses the file that takes the commit past its budget, and names it", () => {
    const files = new Map<string, RepoFile>([
      ["cluster.yaml", CLUSTER],
      ["services/a.yaml", service("a")],
      ["services/b.yaml", service("b")],
      ["services/c.yaml", service("c")],
    ]);
    const budget = CLUSTER.length + service("a").length + 10;
    const r = loadSpec(files, { limits: { ...DEFAULT_SPEC_LIMITS, maxCommitBytes: budget } });
    expect(r.ok ? [] : r.errors.map((e) => `${e.path}:${e.line}:${e.col} ${e.code}`)).toEqual([
      "services/b.yaml:1:1 commit-too-large",
      "services/c.yaml:1:1 commit-too-large",
    ]);
  });

  it("reports what a reader left unread, without content", () => {
    const files = new Map<string, RepoFile>([
      ["cluster.yaml", CLUSTER],
      ["services/big.yaml", { unread: "too-large", size: 400 * 1024 * 1024 }],
      ["services/link.yaml", { unread: "symlink", size: 0 }],
    ]);
    const r = loadSpec(files);
    expect(r.ok ? [] : r.errors.map((e) => `${e.path}:${e.line}:${e.col} ${e.code} ${e.message}`)).toEqual([
      "services/big.yaml:1:1 file-too-large file is 400 MiB; spec files may be at most 1 MiB (split it, or move data out of Git)",
      "services/link.yaml:1:1 symlink is a symbolic link; gitfleet never follows links: commit the file itself",
    ]);
  });

  it("reads only *.yaml and *.yml under services/", () => {
    const state = stateOf(
      repo({ "services/a.yaml": service("a"), "services/big.bin": new Uint8Array(5 * 1024 * 1024) }),
    );
    expect(state.services.map((s) => s.name)).toEqual(["a"]);
  });
});

describe("the number of problems", () => {
  it("keeps the first 500 and says how many more there were", () => {
    const bad = Array.from({ length: 600 }, (_, i) => `  - "K${i}=1"\n  - "K${i}=2"`).join("\n");
    const errors = errorsOf(repo({ "services/a.yaml": `${service("a")}environment:\n${bad}\n` }));
    expect(errors).toHaveLength(501);
    expect(errors[500]?.code).toBe("too-many-errors");
    expect(errors[500]?.message).toBe("100 more problems not listed (only the first 500 are)");
  });
});
