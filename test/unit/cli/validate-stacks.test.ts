// `gitfleet validate` on a repository of real Compose files (test/fixtures/compose/,
// public projects' files as published) deployed as stacks: every problem is
// listed with its place in the file it is about, and each stack's services
// are named <stack>_<service>.

import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { validate } from "../../../src/cli/commands/validate.js";

const FIXTURES = resolve(import.meta.dirname, "../../fixtures/compose");
const CORPUS = resolve(import.meta.dirname, "../../fixtures/compose-corpus");
const CLUSTER = `kind: Cluster
name: fixtures
hosts:
  - {name: h1, docker: "unix:///var/run/docker.sock", address: 10.0.0.1}
`;

interface Problem {
  readonly path: string;
  readonly line: number;
  readonly col: number;
  readonly code: string;
  readonly message: string;
}

/** Every refused key or config says what to do instead (and there are some). */
function expectRefusalsSayWhatToDo(errors: readonly Problem[]): void {
  const refused = errors.filter((e) => e.code === "unsupported-key" || e.code === "unsupported-config");
  expect(refused.length).toBeGreaterThan(0);
  for (const e of refused)
    expect(e.message, `${e.path}:${e.line}`).toMatch(
      /push|put it|give the value|remove|write|use |drop |bake/,
    );
}

let dir: string;
let stacks: string[];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gitfleet-stacks-"));
  await writeFile(join(dir, "cluster.yaml"), CLUSTER);
  const entries = await readdir(FIXTURES, { withFileTypes: true });
  stacks = entries.filter((e) => e.isDirectory()).map((e) => e.name);
  for (const name of stacks)
    await cp(join(FIXTURES, name), join(dir, "stacks", name.toLowerCase()), { recursive: true });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function validateJson(
  at: string = dir,
): Promise<{ valid: boolean; errors: Problem[]; warnings: Problem[] }> {
  let stdout = "";
  await validate(at, { json: true }, { out: (t) => void (stdout += t), err: () => undefined, cwd: at });
  return JSON.parse(stdout) as { valid: boolean; errors: Problem[]; warnings: Problem[] };
}

describe("validate on stacks of public Compose files", () => {
  it("holds a dozen or more projects", () => {
    expect(stacks.length).toBeGreaterThanOrEqual(12);
  });

  it("lists every error and warning at a line of the file it is about", async () => {
    const result = await validateJson();
    const problems = [...result.errors, ...result.warnings];
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems) {
      expect(p.path, `${p.code}: ${p.message}`).toMatch(/^stacks\/[a-z0-9-]+\/[^/]/);
      const text = await readFile(join(dir, p.path), "utf8");
      const lines = text.split("\n");
      expect(p.line, `${p.path}: ${p.message}`).toBeGreaterThanOrEqual(1);
      expect(p.line).toBeLessThanOrEqual(lines.length);
      expect(p.col).toBeGreaterThanOrEqual(1);
      expect(p.col).toBeLessThanOrEqual((lines[p.line - 1] ?? "").length + 1);
      expect(p.message.length).toBeGreaterThan(10);
    }
  });

  it("names each stack's services <stack>_<service> across the repository", async () => {
    const result = await validateJson();
    // Several projects publish port 80: one ingress port per cluster, so the later stacks are
    // told which stack's service holds it, by its full name and place.
    const conflicts = result.errors.filter((e) => e.code === "port-conflict");
    expect(conflicts.map((e) => `${e.path}:${e.line}:${e.col}`)).toEqual(
      expect.arrayContaining(["stacks/nginx-golang-mysql/compose.yaml:42:9"]),
    );
    for (const c of conflicts) expect(c.message).toMatch(/by service "[a-z0-9-]+_[a-z0-9_.-]+" \(stacks\//);
    const port80 = conflicts.find((c) => c.path === "stacks/nginx-golang-mysql/compose.yaml");
    expect(port80?.message).toContain('service "nextcloud-postgres_nc"');
  });

  it("says what to do instead for every refused key, and what a mapped one became", async () => {
    const result = await validateJson();
    expectRefusalsSayWhatToDo(result.errors);
    const at = (code: string, path: string) =>
      [...result.errors, ...result.warnings]
        .filter((p) => p.code === code && p.path === path)
        .map((p) => `${p.line}:${p.col}`);
    // secrets from a file in Git: refused at the declaration, saying where the value goes.
    expect(at("unsupported-config", "stacks/nginx-golang-mysql/compose.yaml")).toEqual(["51:5"]);
    expect(
      result.errors.find((e) => e.path === "stacks/nginx-golang-mysql/compose.yaml" && e.line === 51)
        ?.message,
    ).toContain("put it in the operator's secret store");
    // build without image: push an image.
    expect(at("unsupported-key", "stacks/nginx-golang-mysql/compose.yaml")).toEqual(["3:5"]);
    // ./proxy/nginx.conf is in the stack's folder: copied into the container, with a warning saying so.
    expect(at("bind-mount-mapped", "stacks/nginx-golang-mysql/compose.yaml")).toEqual(["37:9"]);
    // env_file: .env of the stack's folder is read (no error at immich's env_file entries).
    expect(
      result.errors.filter((e) => e.path === "stacks/immich/compose.yaml" && e.code === "bad-env-file"),
    ).toEqual([]);
  });
});

// The same on the corpus of real-world files (test/fixtures/compose-corpus/, the goal's measure),
// all in one repository as a user who copied them would commit them: every problem at its place,
// every refused key saying what to do instead, every ceiling refusal naming the operator setting.
describe("validate on stacks of the corpus's Compose files", () => {
  let corpusDir: string;

  beforeAll(async () => {
    corpusDir = await mkdtemp(join(tmpdir(), "gitfleet-corpus-"));
    await writeFile(join(corpusDir, "cluster.yaml"), CLUSTER);
    for (const e of await readdir(CORPUS, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      await cp(join(CORPUS, e.name), join(corpusDir, "stacks", e.name), { recursive: true });
    }
  });

  afterAll(async () => {
    await rm(corpusDir, { recursive: true, force: true });
  });

  it("lists every error and warning at a line of the file it is about, and says what to do", async () => {
    const result = await validateJson(corpusDir);
    const problems = [...result.errors, ...result.warnings];
    expect(result.errors.length).toBeGreaterThan(0);
    expect(result.warnings.length).toBeGreaterThan(0);
    for (const p of problems) {
      expect(p.path, `${p.code}: ${p.message}`).toMatch(/^stacks\/[a-z0-9-]+\/[^/]/);
      const lines = (await readFile(join(corpusDir, p.path), "utf8")).split("\n");
      expect(p.line, `${p.path}: ${p.message}`).toBeGreaterThanOrEqual(1);
      expect(p.line).toBeLessThanOrEqual(lines.length);
      expect(p.col).toBeGreaterThanOrEqual(1);
      expect(p.col).toBeLessThanOrEqual((lines[p.line - 1] ?? "").length + 1);
    }
    expectRefusalsSayWhatToDo(result.errors);
    const ceiling = result.errors.filter((e) => e.code.startsWith("ceiling-"));
    expect(ceiling.length).toBeGreaterThan(0);
    for (const e of ceiling)
      expect(e.message, `${e.path}:${e.line}`).toContain("in the operator configuration");
    // /etc/localtime read-only is within the default ceiling; /var/log (promtail) is not.
    expect(result.errors.filter((e) => e.message.includes("/etc/localtime"))).toEqual([]);
    expect(result.errors.map((e) => `${e.path} ${e.code}`)).toContain(
      "stacks/loki/compose.yaml ceiling-bind-mount",
    );
  });

  // The second and third samples (SOURCES.md: awesome-selfhosted-data in file order): each kind
  // of refusal they brought, at its place, saying why and what to do.
  it("places and explains the second and third samples' refusals", async () => {
    const result = await validateJson(corpusDir);
    const at = (path: string, line: number) =>
      result.errors.filter((e) => e.path === `stacks/${path}/compose.yaml` && e.line === line);
    const one = (path: string, line: number, code: string) => {
      const found = at(path, line).filter((e) => e.code === code);
      expect(found, `${path}:${line} ${code}`).toHaveLength(1);
      return found[0] as Problem;
    };
    const projects = (await readdir(CORPUS, { withFileTypes: true })).filter((e) => e.isDirectory());
    expect(projects.length).toBeGreaterThanOrEqual(73);
    expect(one("anubis", 5, "unsupported-config").message).toContain(
      "network_mode: service:workspace is not supported",
    );
    expect(one("appflowy", 17, "unsupported-key").message).toContain("remove devices:");
    expect(one("activepieces", 8, "ceiling-privileged").col).toBe(17);
    expect(one("appwrite", 28, "policy-docker-socket").message).toContain("control of the host");
    expect(one("aleph", 78, "relative-bind-mount").message).toContain("home folder");
    expect(one("anycable", 49, "relative-bind-mount").message).toContain("leaves the stack's folder");
    expect(one("bitmagnet", 19, "unsupported-config").message).toContain("network_mode: service:gluetun");
    expect(one("bitmagnet", 50, "unsupported-key").message).toContain("remove devices:");
    // docker compose's restart_policy condition unless-stopped (bigcapital) is taken.
    expect(result.errors.filter((e) => e.message.includes("restart_policy"))).toEqual([]);
    // A service named with capitals (4gaBoards) is taken, as Compose takes it.
    expect(
      result.errors.filter((e) => e.path.startsWith("stacks/4gaboards/") && e.code === "invalid-name"),
    ).toEqual([]);
  });
});
