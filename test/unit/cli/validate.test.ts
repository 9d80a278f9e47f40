// `gitfleet validate` as CI runs it. The command's output is checked
// in-process (fast); the process contract (exit codes, which stream) by
// spawning the real CLI through tsx.

import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pkg from "../../../package.json" with { type: "json" };
import { validate } from "../../../src/cli/commands/validate.js";
import type { CommandIo } from "../../../src/cli/io.js";
import { brokenSample } from "../spec/broken-sample.js";

const root = resolve(import.meta.dirname, "../../..");
const main = join(root, "src/cli/main.ts");
// Absolute, so the CLI can run with any working directory.
const tsx = pathToFileURL(join(root, "node_modules/tsx/dist/loader.mjs")).href;
const FIXTURE = "test/fixtures/spec/invalid-repo";
const FIXTURE_LINES = [
  `${FIXTURE}/services/app.yaml:5:3: unknown key "replica" in deploy: did you mean "replicas"?`,
  `${FIXTURE}/services/db.yaml:4:14: depends_on names "ap", which is not a service in this repository: did you mean "app"?`,
  `${FIXTURE}/services/db.yaml:5:13: privileged containers are forbidden by ceiling.allow_privileged in the operator configuration (cluster.yaml cannot allow them)`,
];

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function inProcess(args: { dir: string; json?: boolean; cwd?: string }): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const io: CommandIo = {
    out: (t) => void (stdout += t),
    err: (t) => void (stderr += t),
    cwd: args.cwd ?? root,
  };
  const code = await validate(args.dir, args.json ? { json: true } : {}, io);
  return { code, stdout, stderr };
}

function spawned(args: readonly string[], cwd: string = root): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, ["--import", tsx, main, ...args], { cwd }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      done({ code, stdout, stderr });
    });
  });
}

describe("validate (in-process)", () => {
  let broken: string;
  let brokenExpected: string[];

  beforeAll(async () => {
    broken = await mkdtemp(join(tmpdir(), "gitfleet-broken-"));
    const copy = await brokenSample(join(root, "sample-repo"));
    for (const [path, content] of copy.files) {
      await mkdir(dirname(join(broken, path)), { recursive: true });
      await writeFile(join(broken, path), content);
    }
    brokenExpected = copy.expected;
  });

  afterAll(async () => {
    await rm(broken, { recursive: true, force: true });
  });

  it("summarises a valid repository in one line on stdout", async () => {
    expect(await inProcess({ dir: "sample-repo" })).toEqual({
      code: 0,
      stdout: 'sample-repo: valid: cluster "demo", 1 host, 4 services (api, cache, web, worker)\n',
      stderr: "",
    });
  });

  it("validates the working directory by default", async () => {
    const r = await inProcess({ dir: ".", cwd: join(root, "sample-repo") });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\.: valid/);
  });

  it("lists problems one per line, sorted, with paths relative to the working directory", async () => {
    expect(await inProcess({ dir: FIXTURE })).toEqual({
      code: 1,
      stdout: "",
      stderr: `${FIXTURE_LINES.join("\n")}\n`,
    });
  });

  it("lists every problem of a broken copy of sample-repo", async () => {
    const r = await inProcess({ dir: ".", cwd: broken });
    expect(r.code).toBe(1);
    const places = r.stderr
      .trimEnd()
      .split("\n")
      .map((l) => /^(.+?:\d+:\d+): /.exec(l)?.[1]);
    expect(places).toEqual(brokenExpected.map((e) => e.split(" ")[0]));
  });

  it("prints {valid, errors} as JSON on stdout with --json", async () => {
    const bad = await inProcess({ dir: FIXTURE, json: true });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe("");
    const parsed = JSON.parse(bad.stdout) as { valid: boolean; errors: { path: string; code: string }[] };
    expect(parsed.valid).toBe(false);
    expect(parsed.errors.map((e) => `${e.path} ${e.code}`)).toEqual([
      "services/app.yaml unknown-key",
      "services/db.yaml depends-on-unknown",
      "services/db.yaml ceiling-privileged",
    ]);
    expect(parsed.errors[0]).toEqual({
      path: "services/app.yaml",
      line: 5,
      col: 3,
      code: "unknown-key",
      message: 'unknown key "replica" in deploy: did you mean "replicas"?',
    });
    const good = await inProcess({ dir: "sample-repo", json: true });
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout)).toEqual({ format_version: 1, valid: true, errors: [], warnings: [] });
  });

  it("returns 2 when the directory is missing or not a directory", async () => {
    const missing = await inProcess({ dir: "no/such/dir" });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^gitfleet validate: cannot read no\/such\/dir: .*ENOENT/);
    expect(await inProcess({ dir: "package.json" })).toEqual({
      code: 2,
      stdout: "",
      stderr: "gitfleet validate: package.json is not a directory\n",
    });
  });
});

describe("validate warnings", () => {
  let typo: string;

  beforeAll(async () => {
    // A misnamed folder: the services are ignored, the repository has none, and a size lacks its unit.
    typo = await mkdtemp(join(tmpdir(), "gitfleet-typo-"));
    await mkdir(join(typo, "service"), { recursive: true });
    await writeFile(
      join(typo, "cluster.yaml"),
      "kind: Cluster\nname: t\nhosts:\n  - name: h1\n    docker: tcp://10.0.0.1:2375\n    address: 10.0.0.1\n",
    );
    await writeFile(join(typo, "service/web.yaml"), "kind: Service\nname: web\nimage: web:1\n");
  });

  afterAll(async () => {
    await rm(typo, { recursive: true, force: true });
  });

  const EXPECTED = [
    "cluster.yaml:1:1 no-services",
    "cluster.yaml:5:13 plain-tcp-engine",
    "service/web.yaml:1:1 ignored-file",
  ];

  it("prints each warning with its position and code on stderr, and still exits 0", async () => {
    const r = await inProcess({ dir: ".", cwd: typo });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('.: valid: cluster "t", 1 host, 0 services (3 warnings)\n');
    expect(
      r.stderr
        .trimEnd()
        .split("\n")
        .map((l) => /^(\S+:\d+:\d+): warning: .*\[([a-z-]+)\]$/.exec(l)?.slice(1).join(" ")),
    ).toEqual(EXPECTED);
    expect(r.stderr).toContain("service/web.yaml:1:1: warning: this file is ignored");
    expect(r.stderr).toContain("move it to services/web.yaml");
  });

  it("shows warnings of the operator configuration given with -c (a webhook without a secret)", async () => {
    // Outside the repository: a YAML file in it would be an ignored-file warning of its own.
    const op = join(tmpdir(), `gitfleet-${process.pid}-op.yaml`);
    await writeFile(op, "repository: {path: .}\nwebhook:\n  listen: 127.0.0.1:9000\n");
    let stderr = "";
    const io: CommandIo = { out: () => undefined, err: (t) => void (stderr += t), cwd: typo };
    expect(await validate(".", { config: op }, io)).toBe(0);
    await rm(op);
    expect(stderr).toMatch(
      /op\.yaml:2:1: warning: the webhook has no secret, so it is not started.*\[webhook-without-secret\]\n/,
    );
  });

  it("fails under --strict, with errors and warnings in one JSON document", async () => {
    let stdout = "";
    const io: CommandIo = { out: (t) => void (stdout += t), err: () => undefined, cwd: typo };
    expect(await validate(".", { strict: true, format: "json" }, io)).toBe(1);
    const doc = JSON.parse(stdout) as {
      format_version: number;
      valid: boolean;
      warnings: { path: string; line: number; col: number; code: string }[];
    };
    expect(doc.format_version).toBe(1);
    expect(doc.valid).toBe(false);
    expect(doc.warnings.map((w) => `${w.path}:${w.line}:${w.col} ${w.code}`)).toEqual(EXPECTED);
  });

  it("prints GitHub workflow annotations with --format github, paths from the working directory", async () => {
    const r = await inProcess({ dir: FIXTURE, json: false });
    expect(r.code).toBe(1);
    let stdout = "";
    const io: CommandIo = { out: (t) => void (stdout += t), err: () => undefined, cwd: root };
    expect(await validate(FIXTURE, { format: "github" }, io)).toBe(1);
    expect(stdout.split("\n")[0]).toBe(
      `::error file=${FIXTURE}/services/app.yaml,line=5,col=3,title=gitfleet unknown-key::unknown key "replica" in deploy: did you mean "replicas"?`,
    );
    let typoOut = "";
    const typoIo: CommandIo = { out: (t) => void (typoOut += t), err: () => undefined, cwd: typo };
    expect(await validate(".", { format: "github", strict: true }, typoIo)).toBe(1);
    expect(typoOut).toContain("::error file=service/web.yaml,line=1,col=1,title=gitfleet ignored-file::");
  });
});

// Each spawn costs a second or more (tsx compiles the CLI; a minute on a busy shared machine), so only
// the process contract is checked here.
describe("gitfleet (spawned)", { timeout: 180_000 }, () => {
  it("exits 0 for a valid repository", async () => {
    const r = await spawned(["validate", "sample-repo"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^sample-repo: valid: /);
    expect(r.stderr).toBe("");
  });

  it("exits 1 for an invalid one, errors on stderr only, from any working directory", async () => {
    const r = await spawned(["validate", join(root, FIXTURE)], tmpdir());
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(FIXTURE_LINES.length);
  });

  it("exits 1 under --strict when there are warnings, 0 without", async () => {
    const dir = await mkdtemp(join(tmpdir(), "gitfleet-strict-"));
    try {
      await mkdir(join(dir, "services"), { recursive: true });
      await writeFile(
        join(dir, "cluster.yaml"),
        "kind: Cluster\nname: t\nhosts:\n  - name: h1\n    docker: unix:///var/run/docker.sock\n    address: 10.0.0.1\n",
      );
      await writeFile(
        join(dir, "services/web.yaml"),
        "kind: Service\nname: web\nimage: web:1\ndeploy:\n  resources:\n    limits: {memory: 256}\n",
      );
      const lax = await spawned(["validate", dir]);
      expect(lax.code).toBe(0);
      const strict = await spawned(["validate", "--strict", dir]);
      expect(strict.code).toBe(1);
      expect(strict.stderr).toMatch(
        /services\/web\.yaml:6:22: warning: deploy\.resources\.limits\.memory 256 has no unit.*\[size-without-unit\]/,
      );
      expect(strict.stderr).not.toMatch(/\n\s+at /);
      // As a workflow step prints it: an annotation on the line, a warning without --strict.
      const github = await spawned(["validate", "--format", "github", "."], dir);
      expect(github.code).toBe(0);
      expect(github.stdout.split("\n")[0]).toMatch(
        /^::warning file=services\/web\.yaml,line=6,col=22,title=gitfleet size-without-unit::deploy\.resources\.limits\.memory 256 has no unit/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("exits 2 when the directory cannot be read", async () => {
    const r = await spawned(["validate", "no/such/dir"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^gitfleet validate: cannot read no\/such\/dir/);
  });

  it("exits 2 on bad usage", async () => {
    const r = await spawned(["validate", "--bogus"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--bogus'");
  });

  it("prints its version and help with exit 0", async () => {
    expect(await spawned(["--version"])).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: "" });
    const help = await spawned(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("validate [options] [dir]");
  });
});
