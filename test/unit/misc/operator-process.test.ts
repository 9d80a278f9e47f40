// The benches start the operator as production does, with the Node flags of
// src/daemon/node-flags.ts: test/support/operator-process.ts starts it so, and
// it is the only one of the files the benches run (bench/*.ts and the bench/
// and test/ modules they import) that names gitfleet's entry point; the
// fleet-scale bench's operator (its own entry, driven over IPC) is forked with
// the flags.

import { once } from "node:events";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import { OPERATOR_NODE_FLAGS } from "../../../src/daemon/node-flags.js";
import { operatorArgv, spawnOperator } from "../../support/operator-process.js";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const HELPER = "test/support/operator-process.ts";

/** bench/*.ts and, transitively, the modules of bench/ and test/ they import (paths from ROOT). */
function benchFiles(): string[] {
  const seen = new Set<string>();
  const todo = readdirSync(path.join(ROOT, "bench"))
    .filter((f) => f.endsWith(".ts"))
    .map((f) => `bench/${f}`);
  for (let file = todo.pop(); file !== undefined; file = todo.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(path.join(ROOT, file), "utf8");
    for (const m of text.matchAll(/(?:\bfrom|\bimport\(?)\s*["'](\.{1,2}\/[^"']+)["']/g)) {
      const target = path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, file)), m[1] ?? ""));
      if (/^(bench|test)\//.test(target) && target.endsWith(".js")) todo.push(target.replace(/\.js$/, ".ts"));
    }
  }
  return [...seen].sort();
}

/**
 * A string literal that is an entry point's path or ends in one ("dist/cli/main.js",
 * `${dir}/cli/main.js`), as an argument, array element or value: not a mention of it in
 * a text (Markdown's `dist/cli/main.js` in a report's line).
 */
function namesEntry(text: string, entry: RegExp): boolean {
  return new RegExp(`["'\`](?:[^"'\`\\s]*/)?${entry.source}["'\`]\\s*[),;\\]}]`).test(text);
}

/** The call that starts at `start` in `text`, to its closing parenthesis. */
function call(text: string, start: number): string {
  let depth = 0;
  for (let i = text.indexOf("(", start); i < text.length; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")" && --depth === 0) return text.slice(start, i + 1);
  }
  return text.slice(start);
}

const CLI_ENTRY = /(?:src\/cli\/main\.ts|(?:dist\/)?cli\/main\.js)/;

it("node gets the operator's flags before gitfleet's entry point, from the sources or a build", () => {
  expect(OPERATOR_NODE_FLAGS.length).toBeGreaterThan(0);
  expect(operatorArgv(["run", "--config", "c.yaml"], "/b/dist/cli/main.js")).toEqual([
    ...OPERATOR_NODE_FLAGS,
    "/b/dist/cli/main.js",
    "run",
    "--config",
    "c.yaml",
  ]);
  expect(operatorArgv(["run"])).toEqual([
    ...OPERATOR_NODE_FLAGS,
    "--import",
    "tsx",
    path.join(ROOT, "src/cli/main.ts"),
    "run",
  ]);
});

it("spawnOperator starts node with the operator's flags and passes on its output", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "operator-process-"));
  try {
    // A stand-in for dist/cli/main.js that says how node started it.
    const main = path.join(dir, "main.js");
    await writeFile(
      main,
      "console.log(JSON.stringify({ execArgv: process.execArgv, args: process.argv.slice(2) }));\n" +
        "console.error(process.env.GITFLEET_LOG_LEVEL);\n",
    );
    let output = "";
    const child = spawnOperator(["run", "--config", "x.yaml"], { main, onOutput: (t) => (output += t) });
    const [code] = (await once(child, "close")) as [number | null];
    expect(code).toBe(0);
    const [json, level] = output.trim().split("\n");
    expect(JSON.parse(json ?? "null")).toEqual({
      execArgv: [...OPERATOR_NODE_FLAGS],
      args: ["run", "--config", "x.yaml"],
    });
    expect(level).toBe("debug");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

it("of the files the benches run, only test/support/operator-process.ts names gitfleet's entry point", () => {
  const files = benchFiles();
  // The walk reaches the worlds the benches start the operator through.
  expect(files).toEqual(
    expect.arrayContaining([HELPER, "test/e2e/operator/support.ts", "test/e2e/ha/support.ts"]),
  );
  const naming = files.filter((f) => namesEntry(readFileSync(path.join(ROOT, f), "utf8"), CLI_ENTRY));
  expect(naming).toEqual([HELPER]);
});

it("the fleet-scale bench forks its operator with the operator's flags", () => {
  const files = benchFiles();
  const entry = /fleet-operator-main\.(?:ts|js)/;
  const naming = files.filter((f) => namesEntry(readFileSync(path.join(ROOT, f), "utf8"), entry));
  expect(naming).toEqual(["bench/fleet-scale.bench.ts"]);
  const text = readFileSync(path.join(ROOT, "bench/fleet-scale.bench.ts"), "utf8");
  const forks = [...text.matchAll(/\bfork\(/g)].map((m) => call(text, m.index));
  expect(forks).toHaveLength(1);
  expect(forks[0]).toMatch(/execArgv:\s*\[[^\]]*\.\.\.OPERATOR_NODE_FLAGS\b/);
});
