// Compose's vocabulary through the real CLI: `gitfleet validate` spawned as CI
// runs it, on repositories written to a temporary directory, checking exit
// codes and the path:line:col of each problem.

import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../../..");
const main = join(root, "src/cli/main.ts");
const tsx = pathToFileURL(join(root, "node_modules/tsx/dist/loader.mjs")).href;

const CLUSTER =
  "kind: Cluster\nname: t\nhosts:\n  - name: h1\n    docker: unix:///var/run/docker.sock\n    address: 10.0.0.1\n";

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function gitfleet(args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, ["--import", tsx, main, ...args], { cwd }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      done({ code, stdout, stderr });
    });
  });
}

const dirs: string[] = [];

async function repoDir(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "gitfleet-compose-"));
  dirs.push(dir);
  for (const [path, text] of Object.entries({ "cluster.yaml": CLUSTER, ...files })) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

describe("gitfleet validate on Compose-style services (spawned)", { timeout: 180_000 }, () => {
  it("interpolates from .env and the operator's variables; an undefined one is exit 1 at its $", async () => {
    const web = [
      "kind: Service",
      "name: web",
      "image: nginx:${TAG}",
      "environment:",
      "  DOMAIN: ${DOMAIN}",
      "  SHELL_VAR: $$HOME",
      "",
    ].join("\n");
    const dir = await repoDir({ "services/web.yaml": web, "services/.env": "TAG=1.27\n" });
    const missing = await gitfleet(["validate", "."], dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("services/web.yaml:5:11: variable DOMAIN is not defined");

    const opDir = await repoDir({});
    const op = join(opDir, "op.yaml");
    await writeFile(op, "repository:\n  path: .\nvariables:\n  DOMAIN: example.com\n");
    const ok = await gitfleet(["validate", "-c", op, "."], dir);
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
  });
});
