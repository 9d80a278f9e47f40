import { describe, expect, it } from "vitest";
import { formatFailures, type JsonReport } from "../../../scripts/failed-tests.js";

// Shaped like vitest 4's JSON report; the messages are ones it wrote for real failures.
const ROOT = "/repo";
const RUNNER = "    at file:///repo/node_modules/@vitest/runner/dist/chunk-artifact.js:302:11";

function report(): JsonReport {
  return {
    numFailedTests: 3,
    testResults: [
      {
        name: "/repo/test/unit/a.test.ts",
        status: "failed",
        message: "",
        assertionResults: [
          {
            ancestorTitles: ["outer", "inner"],
            title: "compares objects",
            status: "failed",
            duration: 4,
            failureMessages: [
              `AssertionError: expected { a: 1 } to deeply equal { a: 2 }\n    at /repo/test/unit/a.test.ts:5:38\n${RUNNER}`,
            ],
          },
          { ancestorTitles: ["outer"], title: "passes", status: "passed", failureMessages: [] },
          {
            ancestorTitles: ["outer"],
            title: "times out",
            status: "failed",
            duration: 30_792,
            failureMessages: [
              "Error: STACK_TRACE_ERROR\n    at task (file:///repo/node_modules/@vitest/runner/dist/chunk-artifact.js:1784:27)\n    at /repo/test/unit/a.test.ts:64:3",
            ],
          },
        ],
      },
      { name: "/repo/test/unit/b.test.ts", status: "passed", message: "", assertionResults: [] },
      {
        name: "/repo/test/e2e/c.test.ts",
        status: "failed",
        message: "",
        assertionResults: [
          {
            ancestorTitles: [],
            title: "throws",
            status: "failed",
            failureMessages: [
              `\u001b[31mError: one\ntwo\nthree\nfour\nfive\nsix\u001b[39m\n    at Object.fn (/repo/test/e2e/c.test.ts:9:11)\n${RUNNER}`,
            ],
          },
        ],
      },
      {
        name: "/repo/test/e2e/d.test.ts",
        status: "failed",
        message: "Hook timed out in 100ms.\nIf this is a long-running hook, pass a timeout value",
        assertionResults: [
          { ancestorTitles: [], title: "never runs", status: "skipped", failureMessages: [] },
        ],
      },
    ],
  };
}

describe("failed tests from a vitest JSON report", () => {
  it("names each failed test with its file, full name, first message lines and place", () => {
    expect(formatFailures(report(), ROOT)).toEqual([
      "failed tests (4):",
      "✗ test/unit/a.test.ts > outer > inner > compares objects",
      "    AssertionError: expected { a: 1 } to deeply equal { a: 2 }",
      "    at test/unit/a.test.ts:5:38",
      "✗ test/unit/a.test.ts > outer > times out",
      "    timed out after 30.8 s (a test's or hook's time limit)",
      "    at test/unit/a.test.ts:64:3",
      "✗ test/e2e/c.test.ts > throws",
      "    Error: one",
      "    two",
      "    three",
      "    four",
      "    … (2 more lines)",
      "    at test/e2e/c.test.ts:9:11",
      "✗ test/e2e/d.test.ts > (the file itself)",
      "    Hook timed out in 100ms.",
      "    If this is a long-running hook, pass a timeout value",
    ]);
  });

  it("stays within the line budget and says how many it left out", () => {
    const lines = formatFailures(report(), ROOT, 9);
    expect(lines.length).toBeLessThanOrEqual(9);
    expect(lines.at(-1)).toBe("… and 2 more failed (see the report)");
    expect(lines[1]).toBe("✗ test/unit/a.test.ts > outer > inner > compares objects");
  });

  it("prints nothing when nothing failed", () => {
    const passed: JsonReport = {
      numFailedTests: 0,
      testResults: [{ name: "/repo/x.test.ts", status: "passed" }],
    };
    expect(formatFailures(passed, ROOT)).toEqual([]);
  });

  it("cuts very long lines", () => {
    const long: JsonReport = {
      testResults: [
        {
          name: "/repo/x.test.ts",
          status: "failed",
          assertionResults: [
            { title: "t", status: "failed", failureMessages: [`Error: ${"x".repeat(500)}`] },
          ],
        },
      ],
    };
    const [, , message] = formatFailures(long, ROOT);
    expect(message?.length).toBeLessThanOrEqual(4 + 200);
    expect(message?.endsWith("…")).toBe(true);
  });
});
