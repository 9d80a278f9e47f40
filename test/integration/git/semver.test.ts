// Pure tests of the tag-range matcher (kept beside the Git tests that use it).
import { describe, expect, it } from "vitest";
import { highestMatching, parseRange, parseVersion, satisfies } from "../../../src/adapters/git/semver.js";

const TAGS = [
  "v0.9.0",
  "v1.0.0",
  "v1.2.3",
  "v1.2.10",
  "v1.3.0-rc.1",
  "v1.4.0",
  "v2.0.0-beta.2",
  "v2.0.0",
  "v2.1.5",
  "latest",
];

describe("semver ranges over tags", () => {
  it.each([
    ["^1.0.0", "v1.4.0"],
    ["~1.2.0", "v1.2.10"],
    ["1.2", "v1.2.10"],
    ["1.x", "v1.4.0"],
    ["*", "v2.1.5"],
    [">=1.0.0 <2.0.0", "v1.4.0"],
    ["<1.0.0", "v0.9.0"],
    [">1.4", "v2.1.5"],
    ["<=1.2", "v1.2.10"],
    ["1.0.0 - 1.2", "v1.2.10"],
    ["^0.9 || ~2.0", "v2.0.0"],
    ["=1.2.3", "v1.2.3"],
    ["^1.3.0-rc.0", "v1.4.0"],
    [">=1.3.0-rc.0 <1.3.0", "v1.3.0-rc.1"],
    ["^3", undefined],
  ])("%s picks %s", (range, expected) => {
    expect(highestMatching(TAGS, parseRange(range))).toBe(expected);
  });

  it("leaves pre-releases out unless the range names one of the same version", () => {
    const rc = parseVersion("2.0.0-beta.2");
    expect(rc && satisfies(rc, parseRange("^2.0.0-beta.1"))).toBe(true);
    expect(rc && satisfies(rc, parseRange(">=1.0.0"))).toBe(false);
    expect(rc && satisfies(rc, parseRange("<2.0.0"))).toBe(false);
  });

  it("orders pre-releases as semver does", () => {
    const order = [
      "1.0.0-alpha",
      "1.0.0-alpha.1",
      "1.0.0-alpha.beta",
      "1.0.0-beta.2",
      "1.0.0-beta.11",
      "1.0.0-rc.1",
      "1.0.0",
    ];
    for (let i = 1; i < order.length; i++) {
      expect(highestMatching([order[i - 1] ?? "", order[i] ?? ""], parseRange(">=1.0.0-alpha"))).toBe(
        // only the release or pre-releases of 1.0.0 match; the higher one wins
        order[i],
      );
    }
  });

  it("refuses a range that does not parse", () => {
    expect(() => parseRange("^one")).toThrow(expect.objectContaining({ code: "git-config-invalid" }));
  });
});
