import { describe, expect, it } from "vitest";
import { revertChanges, unifiedDiff } from "../../../src/cli/verbs/revert-plan.js";

const m = (o: Record<string, string>) => new Map(Object.entries(o));

describe("revertChanges", () => {
  it("puts each changed file back to its version before the commit, within `only`", () => {
    const parent = m({ a: "1", b: "1" });
    const target = m({ a: "2", c: "1" });
    const r = revertChanges(parent, target, m({ a: "2", c: "1", d: "9" }));
    expect([...r.changes]).toEqual([
      ["a", "1"],
      ["b", "1"],
      ["c", null],
    ]);
    expect(r.conflicts).toEqual([]);
    const later = revertChanges(parent, target, m({ a: "3", c: "1" }), new Set(["a", "b"]));
    expect(later.conflicts).toEqual(["a"]);
    expect([...later.changes]).toEqual([["b", "1"]]);
  });
});

describe("unifiedDiff", () => {
  it("prints hunks with context and line numbers as git does", () => {
    const before = ["a", "b", "c", "d", "e", "f", "g", "h"].join("\n") + "\n";
    const after = ["a", "b", "c", "D", "e", "f", "g", "h", "i"].join("\n") + "\n";
    expect(unifiedDiff("x.yaml", before, after)).toBe(
      "--- a/x.yaml\n+++ b/x.yaml\n@@ -1,8 +1,9 @@\n a\n b\n c\n-d\n+D\n e\n f\n g\n h\n+i\n",
    );
    expect(unifiedDiff("n.yaml", undefined, "x\n")).toBe(
      "--- /dev/null\n+++ b/n.yaml\n@@ -0,0 +1,1 @@\n+x\n",
    );
  });
});
