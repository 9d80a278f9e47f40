// `gitfleet run --once` and `gitfleet plan` as CI uses them, on the test bed:
// exit codes, read-only planning against the live hosts, bad configuration.

import { execFile } from "node:child_process";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gitCli, removeDir, tempDir } from "../../support/git-fixtures.js";
import { resetTestbed, TESTBED } from "../../support/testbed.js";
import { cacheYaml } from "./services.js";
import { clusterYaml, managed } from "./support.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

function gitfleet(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", path.join(ROOT, "src/cli/main.ts"), ...args],
      { cwd: ROOT, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === "number" ? err.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

let dir: string;
let repo: string;

beforeAll(async () => {
  await resetTestbed();
  dir = await tempDir("cli-e2e");
  repo = path.join(dir, "repo");
  await mkdir(path.join(repo, "services"), { recursive: true });
  await writeFile(path.join(repo, "cluster.yaml"), clusterYaml());
  await writeFile(path.join(repo, "services/cache.yaml"), cacheYaml());
  await gitCli(repo, ["init", "-q", "-b", "main"]);
  await gitCli(repo, ["add", "-A"]);
  await gitCli(repo, ["-c", "user.name=ci", "-c", "user.email=ci@example.com", "commit", "-qm", "cache"]);
  await writeFile(
    path.join(dir, "gitfleet.yaml"),
    "repository: {path: ./repo}\nsecrets_dir: ./secrets\nwork_dir: ./work\n",
  );
});

afterAll(async () => {
  await removeDir(dir);
});

describe("gitfleet plan and run --once", () => {
  it("plan shows pending changes against the live hosts and exits 3 with --detailed-exitcode", async () => {
    const r = await gitfleet(["plan", repo, "--detailed-exitcode"]);
    // The test bed's engines are plain TCP: that warning, once per host, and nothing else.
    expect(r.stderr.trimEnd().split("\n")).toEqual(
      TESTBED.hosts.map(() => expect.stringMatching(/\[plain-tcp-engine\]$/)),
    );
    expect(r.code).toBe(3);
    expect(r.stdout).toContain("1 service changes: 3 create.");
    expect(r.stdout).toMatch(/create\s+cache\/h2 on h2/);
    expect(await managed()).toEqual([]); // read-only
    const json = await gitfleet(["plan", repo, "--json"]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      format_version: 1,
      partial: false,
      changes: true,
      unobserved_hosts: [],
      services: [{ name: "cache", action: "create" }],
    });
  });

  it("run --once converges and exits 0; then plan says there is nothing to do", async () => {
    const run = await gitfleet(["run", "--once", "--config", path.join(dir, "gitfleet.yaml")]);
    expect(run.code).toBe(0);
    expect((await managed("cache")).map((c) => `${c.host}:${c.state}`).sort()).toEqual([
      "h1:running",
      "h2:running",
      "h3:running",
    ]);
    expect(await gitCli(repo, ["show", "gitfleet/status:status/cluster.yaml"])).toContain("sync: Synced");
    const plan = await gitfleet(["plan", "--config", path.join(dir, "gitfleet.yaml"), "--detailed-exitcode"]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain("No changes.");
  });

  it("plan shows field-level changes against what runs, in text, JSON and markdown", async () => {
    await writeFile(
      path.join(repo, "services/cache.yaml"),
      cacheYaml().replace(/^image: .*$/m, (line) => `${line}\nenvironment: {LOG_LEVEL: debug}`),
    );
    const text = await gitfleet(["plan", repo]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^cache {2}\(update\)\n {2}\+ environment\.LOG_LEVEL: "debug"\n/m);
    expect(text.stdout).not.toMatch(/spec [0-9a-f]{8} -> /);
    const json = JSON.parse((await gitfleet(["plan", repo, "--json"])).stdout) as {
      services: { name: string; fields: unknown[] }[];
    };
    expect(json.services[0]?.fields).toEqual([{ op: "+", field: "environment.LOG_LEVEL", to: '"debug"' }]);
    const md = await gitfleet(["plan", repo, "--format", "markdown"]);
    expect(md.stdout).toContain('```diff\n+ environment.LOG_LEVEL: "debug"\n```');
    await writeFile(path.join(repo, "services/cache.yaml"), cacheYaml());
  });

  it("plan flags a commit that would remove every service (exit 1), as the operator would hold it", async () => {
    await rm(path.join(repo, "services/cache.yaml"));
    const r = await gitfleet(["plan", repo]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^REJECTED: the operator would hold this commit: this commit would remove every running service \(1: cache\)/,
    );
    expect(r.stderr).toContain("no-services");
    await writeFile(path.join(repo, "services/cache.yaml"), cacheYaml());
  });

  it("plan of an invalid checkout exits 1 and lists every problem with its position", async () => {
    await writeFile(path.join(repo, "services/broken.yaml"), "kind: Service\nname: Broken_Name\n");
    const r = await gitfleet(["plan", repo]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/services\/broken\.yaml:\d+:\d+: /);
  });

  it("run with a bad configuration exits 2 before touching anything", async () => {
    const bad = path.join(dir, "bad.yaml");
    await writeFile(bad, "repository: {path: ./repo}\npoll: every five seconds\nsurprise: 1\n");
    const before = (await managed()).map((c) => c.id).sort();
    const r = await gitfleet(["run", "--config", bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("invalid configuration");
    expect(r.stderr).toMatch(/bad\.yaml:2:\d+: not a valid cron schedule/);
    expect(r.stderr).toMatch(/bad\.yaml:3:\d+: .*surprise/);
    expect((await managed()).map((c) => c.id).sort()).toEqual(before);
  });
});
