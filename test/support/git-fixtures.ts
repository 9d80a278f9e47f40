// Git fixtures for tests: bare repositories served by the test Git server and
// work directories that commit and push with the real git command-line client
// (straight to the bare path, so the server's request counters only ever see
// the operator's own traffic). Also valid spec content per repo-format.md.

import { execFile } from "node:child_process";
import fs from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import git from "isomorphic-git";

const run = promisify(execFile);

const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_TERMINAL_PROMPT: "0",
  HOME: os.tmpdir(),
};

export async function gitCli(
  cwd: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<string> {
  const { stdout } = await run("git", [...args], { cwd, env: { ...GIT_ENV, ...env }, maxBuffer: 64 << 20 });
  return stdout.trim();
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `gitfleet-${prefix}-`));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** One object of a pack, as `git verify-pack -v` lists it. */
export interface PackedObject {
  readonly oid: string;
  readonly type: "commit" | "tree" | "blob" | "tag";
  /** Stored as a delta (offset or reference) of another object. */
  readonly delta: boolean;
}

/** Every object of the pack `pack` (its .pack or .idx path) of the repository `gitdir`, as git lists them. */
export async function verifyPack(gitdir: string, pack: string): Promise<PackedObject[]> {
  const out: PackedObject[] = [];
  for (const line of (await gitCli(gitdir, ["verify-pack", "-v", pack])).split("\n")) {
    const m = /^([0-9a-f]{40}) (commit|tree|blob|tag)\s+\d+ \d+ \d+( \d+ [0-9a-f]{40})?/.exec(line);
    if (m?.[1] && m[2])
      out.push({ oid: m[1], type: m[2] as PackedObject["type"], delta: m[3] !== undefined });
  }
  return out;
}

/** Create `<root>/<name>` as an empty bare repository whose default branch is main. */
export async function createBareRepo(root: string, name: string): Promise<string> {
  const dir = path.join(root, name);
  await mkdir(dir, { recursive: true });
  await gitCli(dir, ["init", "--bare", "--quiet", "--initial-branch=main"]);
  return dir;
}

export interface CommitOptions {
  readonly author?: { readonly name: string; readonly email: string };
}

/** A working clone of a bare repository, driven by the git CLI. */
export class WorkRepo {
  private constructor(
    readonly dir: string,
    readonly bare: string,
  ) {}

  static async clone(bare: string, dir: string): Promise<WorkRepo> {
    await gitCli(path.dirname(dir), ["clone", "--quiet", bare, dir]);
    const repo = new WorkRepo(dir, bare);
    await repo.git(["config", "user.name", "Alice Example"]);
    await repo.git(["config", "user.email", "alice@example.com"]);
    await repo.git(["config", "commit.gpgsign", "false"]);
    return repo;
  }

  git(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
    return gitCli(this.dir, args, env);
  }

  /** Write (text or bytes) or delete (null) files, relative to the work tree. */
  async write(files: Readonly<Record<string, string | Uint8Array | null>>): Promise<void> {
    for (const [rel, content] of Object.entries(files)) {
      const file = path.join(this.dir, rel);
      if (content === null) {
        await rm(file, { force: true });
      } else {
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, content);
      }
    }
  }

  /** Stage everything and commit; returns the new commit id. */
  async commit(message: string, options: CommitOptions = {}): Promise<string> {
    await this.git(["add", "-A"]);
    const env: NodeJS.ProcessEnv = options.author
      ? { GIT_AUTHOR_NAME: options.author.name, GIT_AUTHOR_EMAIL: options.author.email }
      : {};
    await this.git(["commit", "--quiet", "--allow-empty", "-m", message], env);
    return this.head();
  }

  /** Write files, commit and push the current branch; returns the commit id. */
  async commitAndPush(
    files: Readonly<Record<string, string | Uint8Array | null>>,
    message: string,
    options: CommitOptions = {},
  ): Promise<string> {
    await this.write(files);
    const oid = await this.commit(message, options);
    await this.push();
    return oid;
  }

  /**
   * Stage everything and commit with isomorphic-git, so the test controls the
   * signature: `sign` gets the exact payload git signs and returns an armored
   * detached signature.
   */
  async commitWithSignature(message: string, sign: (payload: string) => Promise<string>): Promise<string> {
    await this.git(["add", "-A"]);
    const author = { name: "Alice Example", email: "alice@example.com" };
    return git.commit({
      fs,
      dir: this.dir,
      message,
      author,
      signingKey: "unused: onSign signs",
      onSign: async ({ payload }) => ({ signature: await sign(payload) }),
    });
  }

  async head(ref = "HEAD"): Promise<string> {
    return this.git(["rev-parse", ref]);
  }

  async push(refspec = "HEAD", options: { readonly force?: boolean } = {}): Promise<void> {
    await this.git(["push", "--quiet", ...(options.force ? ["--force"] : []), "origin", refspec]);
  }

  async tag(name: string, options: { readonly annotated?: boolean } = {}): Promise<void> {
    await this.git(options.annotated ? ["tag", "-a", name, "-m", `release ${name}`] : ["tag", name]);
    await this.push(`refs/tags/${name}`);
  }

  /** Commits reachable from a ref in the bare repository, newest first. */
  async remoteLog(ref: string): Promise<string[]> {
    const out = await gitCli(this.bare, ["log", "--format=%H", ref]);
    return out.split("\n").filter(Boolean);
  }
}

export interface ServiceFixture {
  readonly image?: string;
  readonly replicas?: number;
  readonly published?: number;
}

/** A valid cluster.yaml with one host. */
export function clusterYaml(name = "test"): string {
  return [
    "kind: Cluster",
    `name: ${name}`,
    "hosts:",
    "  - name: h1",
    "    docker: unix:///var/run/docker.sock",
    "    address: 127.0.0.1",
    "    labels: {zone: eu-1}",
    "edge:",
    "  image: haproxy:2.8",
    "",
  ].join("\n");
}

/** A valid service document. */
export function serviceYaml(name: string, options: ServiceFixture = {}): string {
  const lines = [
    "kind: Service",
    `name: ${name}`,
    `image: ${options.image ?? `registry.example.com/${name}:1.0.0`}`,
    "ports:",
    "  - target: 8080",
  ];
  if (options.published !== undefined) lines.push(`    published: ${options.published}`);
  lines.push("deploy:", `  replicas: ${options.replicas ?? 1}`, "");
  return lines.join("\n");
}

/** The files of a small valid repository: one host, two services. */
export function validRepo(): Record<string, string> {
  return {
    "cluster.yaml": clusterYaml(),
    "services/api.yaml": serviceYaml("api", { published: 8080 }),
    "services/web.yaml": serviceYaml("web", { replicas: 2 }),
    "README.md": "# specs\n",
  };
}
