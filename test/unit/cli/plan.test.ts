// `gitfleet plan` never gives a false green: hosts that cannot be observed
// (a missing socket, a refused port, unreadable TLS files) fail the command
// with exit 4, each listed once with its reason; --allow-partial plans anyway
// and every format says the plan is partial. Spawned through the real CLI.

import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../../..");
const main = join(root, "src/cli/main.ts");
const tsx = pathToFileURL(join(root, "node_modules/tsx/dist/loader.mjs")).href;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let dir: string;

function plan(args: readonly string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ["--import", tsx, main, "plan", "repo", ...args],
      { cwd: dir, env: { ...process.env, GITFLEET_SECRETS_DIR: join(dir, "secrets") }, timeout: 170_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        done({ code, stdout, stderr });
      },
    );
  });
}

/** A TCP port nothing listens on (bound, then released). */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const address = server.address();
  await new Promise((ok) => server.close(ok));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "gitfleet-plan-unobserved-"));
  const port = await refusedPort();
  await mkdir(join(dir, "repo/services"), { recursive: true });
  await mkdir(join(dir, "secrets"), { recursive: true });
  await writeFile(
    join(dir, "repo/cluster.yaml"),
    [
      "kind: Cluster",
      "name: t",
      "hosts:",
      "  - name: nosock",
      `    docker: unix://${join(dir, "missing.sock")}`,
      "    address: 127.0.0.1",
      "  - name: refused",
      `    docker: tcp://127.0.0.1:${port}`,
      "    address: 127.0.0.2",
      "  - name: notls",
      `    docker: tcp://127.0.0.1:${port}`,
      "    tls: no-such-certs",
      "    address: 127.0.0.3",
      "",
    ].join("\n"),
  );
  await writeFile(
    join(dir, "repo/services/web.yaml"),
    "kind: Service\nname: web\nimage: web:1\ndeploy: {replicas: 3}\n---\nkind: Service\nname: agent\nimage: agent:1\ndeploy: {mode: global}\n",
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("gitfleet plan with hosts that cannot be observed", { timeout: 180_000 }, () => {
  it("exits 4 and names each host once with its reason, without a plan, a log line or a stack trace", async () => {
    const r = await plan(["--detailed-exitcode"]);
    expect(r.code).toBe(4);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines.filter((l) => !l.startsWith("cluster.yaml:"))).toEqual([
      "gitfleet plan: 3 of 3 hosts could not be observed; no plan (use --allow-partial to plan without them):",
      expect.stringMatching(/^ {2}nosock: .*(ENOENT|missing\.sock)/),
      expect.stringMatching(/^ {2}notls: .*no-such-certs/),
      expect.stringMatching(/^ {2}refused: .*(ECONNREFUSED|refused)/),
    ]);
    expect(r.stderr).not.toMatch(/^\{|\n\s+at /);
  });

  it("puts the same facts in the JSON document on stdout", async () => {
    const r = await plan(["--json"]);
    expect(r.code).toBe(4);
    const doc = JSON.parse(r.stdout) as { format_version: number; unobserved_hosts: { host: string }[] };
    expect(doc.format_version).toBe(1);
    expect(doc.unobserved_hosts.map((h) => h.host)).toEqual(["nosock", "notls", "refused"]);
  });

  it("plans anyway with --allow-partial, marked partial in text, JSON and markdown", async () => {
    const text = await plan(["--allow-partial"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^PARTIAL PLAN: these hosts were not observed; nothing is planned on them:\n {2}nosock: /,
    );
    expect(text.stdout.match(/refused:/g)).toHaveLength(1);

    const json = await plan(["--allow-partial", "--format", "json"]);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout) as {
      partial: boolean;
      unobserved_hosts: unknown[];
      services: { name: string }[];
    };
    expect(doc.partial).toBe(true);
    expect(doc.unobserved_hosts).toHaveLength(3);
    // The global service is not silently left out: it is new, so it is listed.
    expect(doc.services.map((s) => s.name)).toEqual(["agent", "web"]);

    const md = await plan(["--allow-partial", "--format", "markdown"]);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain("> **Partial plan**: these hosts were not observed");
  });
});
