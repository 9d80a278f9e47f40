// --log-level / --log-format through the real CLI (spawned through tsx): a bad
// level is a usage error (exit 2, one line, no stack trace), also from the
// environment, and --help never trips over it.

import { execFile } from "node:child_process";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { logSettings } from "../../../src/cli/log-options.js";
import { textLine } from "../../../src/adapters/system/log.js";

const root = resolve(import.meta.dirname, "../../..");
const main = join(root, "src/cli/main.ts");
const tsx = pathToFileURL(join(root, "node_modules/tsx/dist/loader.mjs")).href;

function gitfleet(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile(
      process.execPath,
      ["--import", tsx, main, ...args],
      { cwd: root, env: { ...process.env, GITFLEET_LOG_LEVEL: "", GITFLEET_LOG_FORMAT: "", ...env } },
      (err, stdout, stderr) => done({ code: err ? Number(err.code) : 0, stdout, stderr }),
    );
  });
}

const LEVELS = "trace, debug, info, warn, error, fatal, silent";

// Deadlines against hangs: each spawn compiles the CLI through tsx, which can take a
// minute when the suite shares two busy cores.
describe("log options through the CLI", { timeout: 180_000 }, () => {
  it("GITFLEET_LOG_LEVEL=verbose --help prints the help and exits 0", async () => {
    const r = await gitfleet(["--help"], { GITFLEET_LOG_LEVEL: "verbose" });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("--log-level <level>");
    expect(r.stdout).toContain("--log-format <format>");
    expect(r.stderr).toBe("");
  });

  it("an invalid level from the environment is one clear line and exit 2", async () => {
    const fromEnv = await gitfleet(["validate", "sample-repo"], { GITFLEET_LOG_LEVEL: "verbose" });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toBe(
      `gitfleet: invalid log level "verbose" (GITFLEET_LOG_LEVEL); use one of ${LEVELS}\n`,
    );
  });

  it("an invalid level or format from a flag is one clear line and exit 2", async () => {
    const fromFlag = await gitfleet(["validate", "sample-repo", "--log-level", "loud"]);
    expect(fromFlag.code).toBe(2);
    expect(fromFlag.stderr).toBe(`gitfleet: invalid log level "loud" (--log-level); use one of ${LEVELS}\n`);
    const format = await gitfleet(["--log-format", "xml", "validate", "sample-repo"]);
    expect(format.code).toBe(2);
    expect(format.stderr).toBe('gitfleet: invalid log format "xml" (--log-format); use one of json, text\n');
  });

  it("a valid level and format run the command", async () => {
    const r = await gitfleet(["--log-level", "debug", "--log-format", "text", "validate", "sample-repo"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });
});

describe("logSettings", () => {
  it("the flag wins over the environment; text on a terminal, JSON otherwise", () => {
    expect(logSettings({ logLevel: "warn" }, { GITFLEET_LOG_LEVEL: "debug" }, true)).toEqual({
      level: "warn",
      format: "text",
    });
    expect(logSettings({}, { GITFLEET_LOG_LEVEL: "debug" }, false)).toEqual({
      level: "debug",
      format: "json",
    });
    expect(logSettings({}, { GITFLEET_LOG_FORMAT: "text" }, undefined)).toEqual({
      level: "info",
      format: "text",
    });
    expect(logSettings({ logFormat: "json" }, {}, true)).toEqual({ level: "info", format: "json" });
  });
});

describe("textLine", () => {
  it("renders a pino line as time, level, message and the remaining fields", () => {
    const line = JSON.stringify({
      level: 40,
      time: 0,
      pid: 1,
      hostname: "x",
      name: "gitfleet",
      msg: "git: poll failed",
      host: "h1",
      n: 2,
    });
    expect(textLine(line)).toBe('1970-01-01T00:00:00.000Z WARN  git: poll failed host="h1" n=2\n');
  });
});
