// The status YAML kept across passes: a render with the memo is always the
// render without it, whether the input changed or not, and a file a render no
// longer has is forgotten.

import { describe, expect, it } from "vitest";
import { render, YamlMemo } from "../../../src/status/index.js";
import { syncedInput } from "./fixtures.js";

describe("YamlMemo", () => {
  it("renders exactly what a render without it does, pass after pass", () => {
    const memo = new YamlMemo();
    const finished: string[] = [];
    const counting = new YamlMemo((t) => {
      finished.push(t);
      return t;
    });
    const a = syncedInput();
    const b = syncedInput({ outage: { since: 0, error: "git down" } });
    for (const input of [a, a, b, a]) {
      expect(render(input, memo)).toEqual(render(input));
      render(input, counting);
    }
    const files = render(a).size - 1; // every file but STATUS.md is YAML
    // The first render stringifies every YAML file; an unchanged input none; a change only what it touches.
    expect(finished.length).toBeGreaterThanOrEqual(files);
    expect(finished.length).toBeLessThan(files * 4);
  });

  it("applies its finish step to what it keeps", () => {
    const memo = new YamlMemo((t) => t.toUpperCase());
    const files = render(syncedInput(), memo);
    expect(files.get("status/cluster.yaml")).toBe(
      render(syncedInput()).get("status/cluster.yaml")?.toUpperCase(),
    );
  });
});
