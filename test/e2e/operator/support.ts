// The world the operator e2e tests run in: the three-host test bed, a real
// Git server (git http-backend behind basic auth) holding the GitOps
// repository, a secret store, an operator configuration file, and the
// operator itself as a child process (`gitfleet run`), whose logs are kept so
// tests can check what it printed (and what it must never print).

import type { ChildProcess } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { createBareRepo, gitCli, removeDir, tempDir, WorkRepo } from "../../support/git-fixtures.js";
import { GitTestServer } from "../../support/git-server.js";
import type { PollOptions } from "../../support/poll.js";
import { spawnOperator } from "../../support/operator-process.js";
import { dockerFor, TESTBED, type TestbedHost } from "../../support/testbed.js";

export const CLUSTER = "e2e";
export const STATUS_BRANCH = "gitfleet/status";

export interface Managed {
  readonly host: string;
  readonly id: string;
  readonly name: string;
  readonly service: string;
  readonly slot: string;
  readonly specHash: string;
  readonly image: string;
  readonly state: string;
  /** From the status line: "healthy", "unhealthy", "starting" or "" (no healthcheck). */
  readonly health: string;
  /** Published host ports of the container, as "address:port". */
  readonly endpoints: readonly string[];
}

export class OperatorWorld {
  private child: ChildProcess | undefined;
  private exit: Promise<number | null> | undefined;
  /** Everything the operator printed (stdout and stderr). */
  output = "";

  private constructor(
    readonly dir: string,
    readonly server: GitTestServer,
    readonly bare: string,
    readonly repo: WorkRepo,
    readonly configFile: string,
    readonly secretsDir: string,
    /** The operator's webhook: every push is announced there, as a forge would. */
    readonly webhook: { readonly url: string; readonly secret: string },
  ) {}

  /**
   * `secrets` are application secrets (the store's env/ folder, mode 0600 as the
   * operator requires). `ceiling` lines replace the default ceiling section, which
   * pins the endpoints to the test bed's hosts. `extra` lines are added at the top
   * level of the configuration (say a `limits:` section).
   */
  static async create(
    secrets: Readonly<Record<string, string>>,
    options: { readonly ceiling?: readonly string[]; readonly extra?: readonly string[] } = {},
  ): Promise<OperatorWorld> {
    const dir = await tempDir("operator-e2e");
    const root = path.join(dir, "git");
    await mkdir(root);
    const bare = await createBareRepo(root, "fleet.git");
    const server = await GitTestServer.start({ root, users: { fleet: "fleet-pw" } });
    const repo = await WorkRepo.clone(bare, path.join(dir, "work"));
    const secretsDir = path.join(dir, "secrets");
    await mkdir(path.join(secretsDir, "env"), { recursive: true, mode: 0o700 });
    for (const [name, value] of Object.entries(secrets))
      await writeFile(path.join(secretsDir, "env", name), `${value}\n`, { mode: 0o600 });
    const credentials = path.join(dir, "git-credentials.json");
    await writeFile(credentials, JSON.stringify({ username: "fleet", password: "fleet-pw" }), {
      mode: 0o600,
    });
    const configFile = path.join(dir, "gitfleet.yaml");
    const port = await freePort();
    const webhook = { url: `http://127.0.0.1:${port}/webhook`, secret: randomBytes(16).toString("hex") };
    const hookSecret = path.join(dir, "webhook-secret");
    await writeFile(hookSecret, webhook.secret, { mode: 0o600 });
    await writeFile(
      configFile,
      [
        "repository:",
        `  url: ${server.url("fleet.git")}`,
        "  branch: main",
        `  credentials: ${credentials}`,
        // Polls are slow on purpose: the webhook is what makes a push deploy at once.
        'poll: "*/20 * * * * *"',
        `webhook: {listen: "127.0.0.1:${port}", secret_file: ${hookSecret}}`,
        `status: {branch: ${STATUS_BRANCH}}`,
        `secrets_dir: ${secretsDir}`,
        `work_dir: ${path.join(dir, "cache")}`,
        "ceiling:",
        ...(options.ceiling ?? defaultCeiling()).map((l) => `  ${l}`),
        ...(options.extra ?? []),
        "",
      ].join("\n"),
    );
    return new OperatorWorld(dir, server, bare, repo, configFile, secretsDir, webhook);
  }

  /**
   * Start `gitfleet run --config FILE` as a child process with the operator's Node flags
   * (spawnOperator): from the sources through tsx, or `main`, a built dist/cli/main.js (as an
   * installed gitfleet runs).
   */
  startOperator(main?: string): void {
    const child = spawnOperator(["run", "--config", this.configFile], {
      ...(main !== undefined ? { main } : {}),
      onOutput: (text) => (this.output += text),
    });
    this.exit = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
    this.child = child;
  }

  /** SIGTERM; resolves with the exit code. */
  async stopOperator(): Promise<number | null> {
    this.child?.kill("SIGTERM");
    const code = await this.exit;
    this.child = undefined;
    return code ?? null;
  }

  async close(): Promise<void> {
    if (this.child !== undefined) {
      this.child.kill("SIGKILL");
      await this.exit;
    }
    await this.server.stop();
    // For debugging a failed run: GITFLEET_E2E_LOG=/tmp/operator.log keeps what the operator printed.
    const keep = process.env["GITFLEET_E2E_LOG"];
    if (keep !== undefined && keep !== "") await writeFile(keep, this.output);
    await removeDir(this.dir);
  }

  /** Commit and push, then call the webhook the way GitHub does (HMAC-SHA256 of the body). */
  async push(files: Readonly<Record<string, string | null>>, message: string): Promise<string> {
    const commit = await this.repo.commitAndPush(files, message);
    if (this.child !== undefined) await this.notify(commit);
    return commit;
  }

  async notify(commit: string): Promise<number> {
    const body = JSON.stringify({ ref: "refs/heads/main", after: commit });
    const signature = createHmac("sha256", this.webhook.secret).update(body).digest("hex");
    const res = await fetch(this.webhook.url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-hub-signature-256": `sha256=${signature}` },
      body,
      signal: AbortSignal.timeout(5_000),
    });
    return res.status;
  }

  /** A file of the status branch as the Git server has it ("" when absent). */
  async status(file: string): Promise<string> {
    try {
      return await gitCli(this.bare, ["show", `${STATUS_BRANCH}:${file}`]);
    } catch {
      return "";
    }
  }

  /** Every object of the repository (all refs, all history) as text: for "never in Git" checks. */
  async everythingInGit(): Promise<string> {
    const objects = await gitCli(this.bare, ["rev-list", "--objects", "--all"]);
    const ids = objects
      .split("\n")
      .map((l) => l.split(" ")[0] ?? "")
      .filter(Boolean);
    const parts = await Promise.all(
      ids.map((id) => gitCli(this.bare, ["cat-file", "-p", id]).catch(() => "")),
    );
    return parts.join("\n");
  }
}

/** The test bed's engines (and the same hosts over SSH), nothing else. */
export function defaultCeiling(): string[] {
  const endpoints = [...TESTBED.hosts.map((h) => h.dockerUrl), "ssh://*"];
  return [`endpoints: ${JSON.stringify(endpoints)}`];
}

export function clusterYaml(): string {
  const hosts = TESTBED.hosts.map(
    (h, i) =>
      `  - {name: ${h.name}, docker: "${h.dockerUrl}", address: ${h.address}, labels: {zone: z${i + 1}}}`,
  );
  return [
    "kind: Cluster",
    `name: ${CLUSTER}`,
    "hosts:",
    ...hosts,
    "edge: {image: gitfleet/haproxy:2.6}",
    "settings: {host_down_after: 3s}",
    "",
  ].join("\n");
}

/** Every container of our cluster on the host (any state). */
export async function managedOn(h: TestbedHost): Promise<Managed[]> {
  const list = await dockerFor(h, { timeoutMs: 5_000 }).listContainers({
    all: true,
    filters: { label: [`gitfleet.cluster=${CLUSTER}`] },
  });
  return list.map((c) => ({
    host: h.name,
    id: c.Id,
    name: (c.Names[0] ?? "").replace(/^\//, ""),
    service: c.Labels["gitfleet.service"] ?? "",
    slot: c.Labels["gitfleet.slot"] ?? "",
    specHash: c.Labels["gitfleet.spec-hash"] ?? "",
    image: c.Image,
    state: c.State,
    health: /\((healthy|unhealthy|health: starting)\)/.exec(c.Status)?.[1]?.replace("health: ", "") ?? "",
    endpoints: c.Ports.filter((p) => p.PublicPort).map((p) => `${p.IP}:${p.PublicPort}`),
  }));
}

export async function managed(service?: string): Promise<Managed[]> {
  const all = (await Promise.all(TESTBED.hosts.map((h) => managedOn(h)))).flat();
  return service === undefined ? all : all.filter((c) => c.service === service);
}

/** Running and healthy (or running without a healthcheck). */
export function serving(list: readonly Managed[]): Managed[] {
  return list.filter((c) => c.state === "running" && (c.health === "healthy" || c.health === ""));
}

/**
 * How the tests and benches on the test bed wait (pollUntil's options, a timeout added where
 * 60 s is not the right one): every 250 ms, and a probe that throws is asked again, since a
 * host, a replica or the operator's listener is often down for a while on the way.
 */
export const BED_POLL = { intervalMs: 250, retryThrown: true } as const satisfies PollOptions;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
