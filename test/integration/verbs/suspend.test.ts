// gitfleet suspend / resume through the real command line: the switch file in
// the configuration's work_dir, read back as the operator reads it.

import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSuspend } from "../../../src/adapters/system/suspend-switch.js";
import { gitfleet } from "../../support/cli.js";
import { removeDir, tempDir } from "../../support/git-fixtures.js";

let dir = "";
let config = "";
let workDir = "";

beforeAll(async () => {
  dir = await tempDir("suspend");
  workDir = path.join(dir, "work");
  config = path.join(dir, "gitfleet.yaml");
  await mkdir(path.join(dir, "repo"));
  await writeFile(config, `repository: {path: ${path.join(dir, "repo")}}\nwork_dir: ${workDir}\n`);
});
afterAll(async () => removeDir(dir));

describe("suspend and resume", () => {
  it("writes the switch with its reason, says so in JSON, and resume removes it", async () => {
    const s = await gitfleet(["suspend", "-c", config, "--reason", "incident 42", "--json"]);
    expect(s.code).toBe(0);
    expect(JSON.parse(s.stdout)).toMatchObject({
      suspended: true,
      was_suspended: false,
      reason: "incident 42",
      etcd_key: null, // no leader_election: the work_dir file only
    });
    const note = await readSuspend(workDir);
    expect(note?.reason).toBe("incident 42");
    expect(note?.by).toMatch(/@/);
    expect(JSON.parse(await readFile(path.join(workDir, "suspended.json"), "utf8")).at).toMatch(/Z$/);
    const again = await gitfleet(["suspend", "-c", config, "--json"]);
    expect(JSON.parse(again.stdout)).toMatchObject({ suspended: true, was_suspended: true });

    const r = await gitfleet(["resume", "-c", config]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("resumed");
    expect(await readSuspend(workDir)).toBeUndefined();
    const twice = await gitfleet(["resume", "-c", config, "--json"]);
    expect(JSON.parse(twice.stdout)).toMatchObject({ suspended: false, was_suspended: false });
  });

  it("a configuration that cannot be read is exit 2; --help lists the exit codes", async () => {
    expect((await gitfleet(["suspend", "-c", path.join(dir, "missing.yaml")])).code).toBe(2);
    const help = await gitfleet(["resume", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Exit codes:");
  });
});
