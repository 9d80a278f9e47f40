// Names the failed tests of a vitest JSON report (`--reporter=json --outputFile=…`):
// file, full test name and the first lines of each failure, within a line budget.
// `.ci/run` prints it after the test run and again at the very end, so a CI log
// that ends in "5 failed" also says which five and why.
//
//   tsx scripts/failed-tests.ts REPORT.json [MAX_LINES]
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";

/** The parts of vitest's JSON report read here. */
export interface JsonReport {
  numFailedTests?: number;
  testResults?: Array<{
    name: string;
    status: string;
    message?: string;
    assertionResults?: Array<{
      ancestorTitles?: string[];
      title?: string;
      fullName?: string;
      status: string;
      duration?: number | null;
      failureMessages?: string[] | null;
    }>;
  }>;
}

interface Failure {
  file: string;
  name: string;
  message: string;
  /** ms the test ran, when the report says */
  duration?: number;
}

const MESSAGE_LINES = 4;
// eslint-disable-next-line no-control-regex -- ANSI colour codes are control characters
const ANSI = /\u001b\[[0-9;]*m/g;

/** Lines naming each failure, at most `maxLines` (a final line says how many were left out). */
export function formatFailures(report: JsonReport, root: string, maxLines = 40): string[] {
  const failures = collect(report, root);
  if (failures.length === 0) return [];
  const out = [`failed tests (${failures.length}):`];
  for (const [i, failure] of failures.entries()) {
    const block = [`✗ ${failure.file} > ${failure.name}`, ...describe(failure, root)];
    const left = failures.length - i;
    // Keep one line for "… and N more" unless this is the last failure.
    const room = maxLines - out.length - (left > 1 ? 1 : 0);
    if (room < 2) {
      out.push(`… and ${left} more failed (see the report)`);
      break;
    }
    out.push(...block.slice(0, room));
  }
  return out;
}

function collect(report: JsonReport, root: string): Failure[] {
  const failures: Failure[] = [];
  for (const file of report.testResults ?? []) {
    const path = relative(root, file.name) || file.name;
    const failedTests = (file.assertionResults ?? []).filter((test) => test.status === "failed");
    for (const test of failedTests) {
      const titles = [...(test.ancestorTitles ?? []), test.title ?? ""].filter((title) => title !== "");
      failures.push({
        file: path,
        name: titles.length > 0 ? titles.join(" > ") : test.fullName || "(unnamed test)",
        message: (test.failureMessages ?? []).join("\n"),
        ...(typeof test.duration === "number" ? { duration: test.duration } : {}),
      });
    }
    // A file can fail without a failed test: an import error, a failing beforeAll/afterAll.
    if (file.status === "failed" && (failedTests.length === 0 || file.message)) {
      failures.push({ file: path, name: "(the file itself)", message: file.message || "failed" });
    }
  }
  return failures;
}

/** The first lines of a failure message, and the place in the test file it points at. */
function describe({ message, file, duration }: Failure, root: string): string[] {
  const lines = message.replace(ANSI, "").split("\n");
  const frames = lines.filter((line) => /^\s+at /.test(line));
  let text = lines.filter((line) => !/^\s+at /.test(line) && line.trim() !== "");
  // vitest 4 writes a time-out's stack without its message ("Error: STACK_TRACE_ERROR").
  if (text[0] === "Error: STACK_TRACE_ERROR") {
    const after = duration === undefined ? "" : ` after ${(duration / 1000).toFixed(1)} s`;
    text = [`timed out${after} (a test's or hook's time limit)`];
  }
  const shown = text.slice(0, MESSAGE_LINES).map((line) => `    ${clip(line)}`);
  if (text.length > MESSAGE_LINES) shown.push(`    … (${text.length - MESSAGE_LINES} more lines)`);
  const base = file.split("/").pop() ?? file;
  const here = frames.find((frame) => frame.includes(base) && !frame.includes("node_modules"));
  if (here) {
    const place = here
      .trim()
      .replace(/^at /, "")
      .replace(/^.*\(|\)$/g, "")
      .replace(/^file:\/\//, "");
    shown.push(`    at ${clip(relative(root, place) || place)}`);
  }
  return shown;
}

function clip(line: string): string {
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [reportPath, maxLines] = process.argv.slice(2);
  if (!reportPath) {
    console.error("usage: failed-tests REPORT.json [MAX_LINES]");
    process.exit(2);
  }
  const report = JSON.parse(readFileSync(reportPath, "utf8")) as JsonReport;
  for (const line of formatFailures(report, process.cwd(), maxLines ? Number(maxLines) : 40))
    console.log(line);
}
