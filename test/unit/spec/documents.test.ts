// Files and documents before any schema: which files count, empty and binary
// files, YAML syntax, kinds in the wrong place, and exactly one cluster.yaml.
// None of these may throw; each gives one clear error at a real position.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatSpecError, MAX_FILE_BYTES, SPEC_ERROR_CODES } from "../../../src/spec/index.js";
import { propertyBudget } from "../../support/arbitraries.js";
import { CLUSTER, errorsOf, expectOnlyError, lines, load, repo, service, stateOf } from "./helpers.js";

describe("which files are read", () => {
  it("ignores everything outside cluster.yaml and services/*.yaml|yml", () => {
    const state = stateOf(
      repo({
        "services/a.yaml": service("a"),
        "services/nested/b.yml": service("b"),
        "services/README.md": "not yaml: [",
        "README.md": "\u0000 junk",
        "docs/example.yaml": "kind: Nope",
        "status/cluster.yaml": "garbage: [",
      }),
    );
    expect(state.services.map((s) => s.name)).toEqual(["a", "b"]);
  });

  it("requires cluster.yaml, saying it is missing and what it holds, with no line:col into a file that does not exist", () => {
    const e = expectOnlyError({ "services/a.yaml": service("a") }, "cluster.yaml:0:0", "missing-cluster");
    expect(formatSpecError(e)).toBe(
      "cluster.yaml: the file is missing: the repository needs a cluster.yaml at its root, holding one kind: Cluster document with a name and its hosts (gitfleet init writes a starting one)",
    );
  });

  it("hints at a misnamed cluster.yml", () => {
    const e = expectOnlyError({ "cluster.yml": CLUSTER }, "cluster.yaml:0:0", "missing-cluster");
    expect(e.message).toContain("rename it to cluster.yaml");
  });

  it("accepts a repository with no services", () => {
    expect(stateOf(repo({})).services).toEqual([]);
  });
});

describe("kinds", () => {
  it("allows exactly one Cluster document in cluster.yaml", () => {
    expectOnlyError(repo({}, `${CLUSTER}---\n${CLUSTER}`), "cluster.yaml:13:1", "multiple-clusters");
  });

  it("refuses a Service in cluster.yaml", () => {
    expectOnlyError(repo({}, `${CLUSTER}---\n${service("a")}`), "cluster.yaml:13:7", "wrong-kind");
  });

  it("refuses a Cluster under services/", () => {
    expectOnlyError(repo({ "services/c.yaml": CLUSTER }), "services/c.yaml:1:7", "wrong-kind");
  });

  it("requires a kind on every document under services/", () => {
    expectOnlyError(
      repo({ "services/a.yaml": lines("name: a", "image: busybox") }),
      "services/a.yaml:1:1",
      "missing-kind",
    );
  });

  it("refuses an unknown kind, suggesting the right spelling", () => {
    const e = expectOnlyError(
      repo({ "services/a.yaml": lines("kind: service", "name: a", "image: busybox") }),
      "services/a.yaml:1:7",
      "unknown-kind",
    );
    expect(e.message).toBe('unknown kind "service": did you mean "Service"?');
  });

  it("refuses a document that is not a mapping", () => {
    expectOnlyError(repo({ "services/a.yaml": "- a\n- b\n" }), "services/a.yaml:1:1", "not-a-mapping");
    expectOnlyError(repo({ "services/a.yaml": "hello\n" }), "services/a.yaml:1:1", "not-a-mapping");
  });
});

describe("empty files", () => {
  it.each([
    ["an empty file", ""],
    ["only comments", "# nothing here yet\n"],
    ["only separators", "---\n---\n"],
  ])("refuses %s under services/", (_, text) => {
    expectOnlyError(repo({ "services/a.yaml": text }), "services/a.yaml:1:1", "empty-file");
  });

  it("refuses an empty cluster.yaml (and does not also call it missing)", () => {
    expectOnlyError({ "cluster.yaml": "" }, "cluster.yaml:1:1", "empty-file");
  });

  it("ignores empty documents next to real ones", () => {
    stateOf(repo({ "services/a.yaml": `---\n${service("a")}---\n` }));
  });
});

describe("malformed YAML", () => {
  it("reports a duplicate key where it is", () => {
    const e = expectOnlyError(
      repo({ "services/a.yaml": lines("kind: Service", "name: a", "name: b", "image: x") }),
      "services/a.yaml:3:1",
      "duplicate-key",
    );
    expect(e.message).toBe('key "name" is set twice in this mapping (first at line 2, column 1)');
  });

  it("reports tabs used for indentation", () => {
    expectOnlyError(
      repo({ "services/a.yaml": "kind: Service\n\tname: a\n" }),
      "services/a.yaml:2:1",
      "yaml-syntax",
    );
  });

  it("says a key lost its colon, at that line, and how to write it", () => {
    const e = expectOnlyError(
      repo({ "services/a.yaml": lines("kind: Service", "name: a", "image nginx") }),
      "services/a.yaml:3:1",
      "yaml-syntax",
    );
    expect(e.message).toBe('missing ":" after the key "image": write "image: nginx"');
  });

  it("says a nested key lost its colon when the next line is read as part of it", () => {
    const text = lines("kind: Service", "name: a", "image: x", "deploy:", "  replicas 3", "  mode: global");
    const e = expectOnlyError(repo({ "services/a.yaml": text }), "services/a.yaml:5:3", "yaml-syntax");
    expect(e.message).toBe('missing ":" after the key "replicas": write "replicas: 3"');
  });

  it("says a lone nested key lost its colon when the mapping reads as a string", () => {
    const text = lines("kind: Service", "name: a", "image: x", "deploy:", "  replicas 3");
    const e = expectOnlyError(repo({ "services/a.yaml": text }), "services/a.yaml:5:3", "schema");
    expect(e.message).toBe(
      'deploy must be a mapping, got "replicas 3": missing ":" after the key "replicas"? write "replicas: 3"',
    );
  });

  it("reports an unclosed flow sequence, and nothing else about that document", () => {
    const errors = errorsOf(
      repo({ "services/a.yaml": lines("kind: Service", "name: a", "image: busybox", "ports: [80, 81") }),
    );
    expect(errors.map((e) => e.code)).toEqual(["yaml-syntax"]);
    expect(errors[0]?.path).toBe("services/a.yaml");
  });

  it("keeps checking the other documents of the file", () => {
    const errors = errorsOf(repo({ "services/a.yaml": `kind: Service\n\tname: a\n---\n${service("B")}` }));
    expect(errors.map((e) => `${e.line}:${e.col} ${e.code}`)).toEqual([
      "2:1 yaml-syntax",
      "5:7 invalid-name",
    ]);
  });

  it("refuses an alias bomb instead of expanding it", () => {
    const bomb = lines(
      "a: &a [x, x, x, x, x, x, x, x, x, x]",
      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]",
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]",
      "kind: Service",
    );
    expectOnlyError(repo({ "services/a.yaml": bomb }), "services/a.yaml:1:1", "yaml-syntax");
  });
});

describe("huge and binary files", () => {
  it("refuses a file over the size limit without parsing it", () => {
    const big = `# ${"x".repeat(MAX_FILE_BYTES)}\n`;
    const e = expectOnlyError(repo({ "services/big.yaml": big }), "services/big.yaml:1:1", "file-too-large");
    expect(e.message).toContain("at most 1 MiB");
  });

  it("measures bytes, not characters", () => {
    const bytes = new Uint8Array(MAX_FILE_BYTES + 1).fill(0x23);
    expectOnlyError(repo({ "services/big.yaml": bytes }), "services/big.yaml:1:1", "file-too-large");
  });

  it("refuses bytes that are not UTF-8", () => {
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46]);
    expectOnlyError(repo({ "services/logo.yaml": jpeg }), "services/logo.yaml:1:1", "binary-file");
  });

  it("points at a NUL byte in otherwise valid text", () => {
    const text = lines("kind: Service", "name: a", "ima\u0000ge: x");
    expectOnlyError(
      repo({ "services/a.yaml": new TextEncoder().encode(text) }),
      "services/a.yaml:3:4",
      "binary-file",
    );
  });

  it("reads UTF-8 bytes like text", () => {
    const text = service("a", "labels: {owner: Zoë}");
    expect(stateOf(repo({ "services/a.yaml": new TextEncoder().encode(text) })).services[0]?.labels).toEqual({
      owner: "Zoë",
    });
  });
});

// 300 runs take up to 1.5 s alone, twenty times that at load 40: vitest's default of 5 s timed out there.
const { runs: ROBUSTNESS_RUNS, timeout: ROBUSTNESS_TIMEOUT } = propertyBudget(300, 120_000);

describe("robustness", { timeout: ROBUSTNESS_TIMEOUT }, () => {
  const codes = new Set<string>(SPEC_ERROR_CODES);

  it("never throws on arbitrary text or bytes, and every error is well formed", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }), yamlish()),
        (content) => {
          const r = load(repo({ "services/x.yaml": content }));
          if (r.ok) return;
          for (const e of r.errors) {
            expect(codes.has(e.code)).toBe(true);
            expect(e.line).toBeGreaterThanOrEqual(1);
            expect(e.col).toBeGreaterThanOrEqual(1);
            expect(e.message).not.toMatch(/\n|\bat .*\(.*:\d+:\d+\)/);
          }
        },
      ),
      ROBUSTNESS_RUNS,
    );
  });

  it("returns errors sorted by path, line and column", () => {
    const errors = errorsOf(
      repo({
        "services/b.yaml": service("B", "deploy: {replica: 1}"),
        "services/a.yaml": service("A", "replica: 1"),
      }),
    );
    const keys = errors.map((e) => [e.path, e.line, e.col] as const);
    const sorted = [...keys].sort((x, y) =>
      x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] - y[1] || x[2] - y[2],
    );
    expect(keys).toEqual(sorted);
    expect(errors.length).toBe(4);
  });
});

/** Service-shaped YAML with random keys and values: closer to real mistakes than random text. */
function yamlish(): fc.Arbitrary<string> {
  const key = fc.constantFrom(
    "kind",
    "name",
    "image",
    "deploy",
    "ports",
    "replicas",
    "labels",
    "x",
    "healthcheck",
  );
  const value = fc.constantFrom(
    "Service",
    "api",
    "[1, 2]",
    "{a: b}",
    "3",
    "-",
    '"8080:80"',
    "~",
    "&a x",
    "*a",
    "[",
  );
  return fc
    .array(fc.tuple(fc.nat(4), key, value), { maxLength: 12 })
    .map((entries) => entries.map(([indent, k, v]) => `${" ".repeat(indent)}${k}: ${v}`).join("\n"));
}
