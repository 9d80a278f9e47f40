import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../../src/spec/spec-hash.js";
import { propertyBudget } from "../../support/arbitraries.js";

// 2000 runs take about a second alone, twenty at load 40: vitest's default of 5 s timed out there.
const { runs: RUNS, timeout: TIMEOUT } = propertyBudget(2000, 120_000);

/** The first implementation (entries, filter, sort, map, join): what every spec hash was made with. */
function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(reference).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

describe("canonicalJson", () => {
  it("writes exactly the text the first implementation wrote, for any value", { timeout: TIMEOUT }, () => {
    const values = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: "small" },
        fc.string(),
        fc.integer(),
        fc.double({ noNaN: true }),
        fc.boolean(),
        fc.constant(null),
        fc.constant(undefined),
        fc.array(tie("value"), { maxLength: 5 }),
        fc.dictionary(fc.string({ unit: "binary" }), tie("value"), { maxKeys: 6 }),
      ),
    })).value;
    fc.assert(
      fc.property(values, (v) => {
        expect(canonicalJson(v)).toBe(reference(v));
      }),
      RUNS,
    );
  });

  it("leaves undefined out of objects and empty in arrays, as before", () => {
    const v = { b: [1, undefined, "x"], a: undefined, é: { z: null, y: [] } };
    expect(canonicalJson(v)).toBe('{"b":[1,,"x"],"é":{"y":[],"z":null}}');
    expect(canonicalJson(v)).toBe(reference(v));
  });
});
