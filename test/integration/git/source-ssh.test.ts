// Git over SSH against a real OpenSSH server (sshd -D on loopback, run by the
// test) serving a real bare repository through git-upload-pack and
// git-receive-pack, with a forced-command deploy key: the same fast paths as
// over HTTP (one ref advertisement per poll, no fetch when nothing changed,
// shallow then incremental fetches), status pushed, and the server refused
// when its host key is unknown or changed.

import { execFile } from "node:child_process";
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SyncProgress } from "../../../src/adapters/git/pack-fetch.js";
import { GitStatusSink } from "../../../src/adapters/git/sink.js";
import { openGitDesired } from "../../../src/daemon/git-desired.js";
import { secretStoreMaterial, SSH_SECRETS } from "../../../src/adapters/ssh/material.js";
import { DirectorySecretStore } from "../../../src/adapters/system/secret-store.js";
import {
  createBareRepo,
  gitCli,
  removeDir,
  serviceYaml,
  tempDir,
  validRepo,
  WorkRepo,
} from "../../support/git-fixtures.js";
import { SshdTestServer } from "../../support/sshd.js";

const sh = promisify(execFile);
let dir: string;
let sshd: SshdTestServer;
let bare: string;
let work: WorkRepo;
let url: string;
let caches = 0;

/** A secret store holding the deploy key and the given known_hosts. */
async function store(name: string, knownHosts: string): Promise<DirectorySecretStore> {
  const secrets = path.join(dir, name);
  await mkdir(path.join(secrets, "ssh"), { recursive: true, mode: 0o700 });
  await copyFile(sshd.clientKey, path.join(secrets, "ssh", "deploy_key"));
  await writeFile(path.join(secrets, "ssh", "known_hosts"), knownHosts);
  return new DirectorySecretStore(secrets);
}

function repository(secrets: DirectorySecretStore) {
  return { url, ssh: secretStoreMaterial({ secrets, keyNames: [SSH_SECRETS.deployKey] }) };
}

const cacheDir = (): string => path.join(dir, `cache-${++caches}`);
// The 10 s default request deadline is for production; here sshd and git run beside the
// rest of the suite on two cores, and no test in this file is about the deadline.
const timeoutMs = 60_000;

async function fingerprintOfServer(): Promise<string> {
  const { stdout } = await sh("ssh-keygen", [
    "-l",
    "-E",
    "sha256",
    "-f",
    path.join(sshd.dir, "host_ed25519_key.pub"),
  ]);
  return stdout.split(" ")[1] ?? "";
}

beforeAll(async () => {
  dir = await tempDir("git-ssh");
  sshd = await SshdTestServer.start(path.join(dir, "sshd"));
  bare = await createBareRepo(path.join(dir, "srv"), "fleet.git");
  work = await WorkRepo.clone(bare, path.join(dir, "work"));
  // History the operator should never download: 10 commits before the one it deploys.
  for (let i = 0; i < 10; i++) {
    await work.write({ "docs/notes.txt": `notes ${i}\n`.repeat(200) });
    await work.commit(`notes ${i}`);
  }
  await work.commitAndPush(validRepo(), "initial specs");
  url = `ssh://root@127.0.0.1:${sshd.port}${bare}`;
});

afterAll(async () => {
  await sshd?.stop();
  if (dir) await removeDir(dir);
});

describe("Desired from Git (GitCommitSource + DesiredLoader) over SSH", () => {
  it("first poll reads the tip of main through a shallow fetch, streamed to disk and indexed there", async () => {
    const secrets = await store("good", `${sshd.knownHostsLine}\n`);
    const cache = cacheDir();
    const received: SyncProgress[] = [];
    const before = (await sshd.commands()).length;
    const source = await openGitDesired({
      repository: repository(secrets),
      cacheDir: cache,
      timeoutMs,
      onProgress: (p) => received.push(p),
    });
    const snap = await source.poll();
    // Only the streamed fetch reports objects received (isomorphic-git's held the pack in memory);
    // as for any fetch over SSH, the ref list and the fetch each ran git-upload-pack once.
    const last = received.filter((p) => p.phase === "receiving").pop();
    expect(last?.total).toBeGreaterThan(0);
    expect(last?.loaded).toBe(last?.total);
    expect((await sshd.commands()).slice(before)).toEqual([
      `git-upload-pack '${bare}'`,
      `git-upload-pack '${bare}'`,
    ]);
    expect(snap.outage).toBeUndefined();
    expect(snap.desired?.commit).toBe(await work.head());
    expect(snap.desired?.state.services.map((s) => s.name)).toEqual(["api", "web"]);
    // Depth 1: one commit in the cache although the branch has 11.
    const commits = await gitCli(path.join(cache, "source.git"), ["rev-list", "--all"]);
    expect(commits.split("\n").filter(Boolean)).toHaveLength(1);
  });

  it("a poll with nothing new runs one git-upload-pack (the ref advertisement) and fetches nothing", async () => {
    const secrets = await store("good2", `${sshd.knownHostsLine}\n`);
    const source = await openGitDesired({
      repository: repository(secrets),
      cacheDir: cacheDir(),
      timeoutMs,
    });
    const first = await source.poll();
    const before = (await sshd.commands()).length;
    const snap = await source.poll();
    expect(snap.changed).toBe(false);
    expect(snap.desired).toBe(first.desired);
    const ran = (await sshd.commands()).slice(before);
    expect(ran).toEqual([`git-upload-pack '${bare}'`]);
  });

  it("picks up a new commit with one advertisement and one incremental fetch", async () => {
    const secrets = await store("good3", `${sshd.knownHostsLine}\n`);
    const cache = cacheDir();
    const source = await openGitDesired({ repository: repository(secrets), cacheDir: cache, timeoutMs });
    await source.poll();
    const next = await work.commitAndPush(
      { "services/web.yaml": serviceYaml("web", { replicas: 5 }) },
      "scale web",
    );
    const before = (await sshd.commands()).length;
    const snap = await source.poll();
    expect(snap.desired?.commit).toBe(next);
    expect(snap.desired?.state.services.find((s) => s.name === "web")?.deploy.replicas).toBe(5);
    expect(source.lastReadStats).toEqual({ treesRead: 2, blobsRead: 1 });
    expect((await sshd.commands()).slice(before)).toEqual([
      `git-upload-pack '${bare}'`,
      `git-upload-pack '${bare}'`,
    ]);
    // Only the new commit came: two in the cache now, not the whole history.
    const commits = await gitCli(path.join(cache, "source.git"), ["rev-list", "--all"]);
    expect(commits.split("\n").filter(Boolean)).toHaveLength(2);
  });

  it("refuses a server whose host key is unknown, naming it and the fingerprint seen", async () => {
    const secrets = await store("unknown", "# nothing pinned\n");
    const source = await openGitDesired({
      repository: repository(secrets),
      cacheDir: cacheDir(),
      timeoutMs,
    });
    const before = (await sshd.commands()).length;
    const snap = await source.poll();
    expect(snap.desired).toBeUndefined();
    expect(snap.outage?.error).toContain(`host key of 127.0.0.1 port ${sshd.port} is unknown`);
    expect(snap.outage?.error).toContain(await fingerprintOfServer());
    expect((await sshd.commands()).length).toBe(before);
  });

  it("refuses a server whose host key changed: nothing is fetched, nothing is pushed", async () => {
    const other = path.join(dir, "impostor");
    await sh("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", other]);
    const { stdout } = await sh("cat", [`${other}.pub`]);
    const [type, key] = stdout.split(" ");
    const secrets = await store("changed", `[127.0.0.1]:${sshd.port} ${type} ${key}\n`);
    const before = (await sshd.commands()).length;
    const source = await openGitDesired({
      repository: repository(secrets),
      cacheDir: cacheDir(),
      timeoutMs,
    });
    const snap = await source.poll();
    expect(snap.outage?.error).toContain("has CHANGED");
    expect(snap.outage?.error).toContain(await fingerprintOfServer());
    const sink = await GitStatusSink.create({
      repository: repository(secrets),
      cacheDir: cacheDir(),
      timeoutMs,
    });
    const result = await sink.write(new Map([["STATUS.md", "# Status\n"]]), "status: refused");
    expect(result.pushed).toBe(false);
    expect(result.error).toContain("has CHANGED");
    expect((await sshd.commands()).length).toBe(before);
    expect(await gitCli(bare, ["branch", "--list", "gitfleet/status"])).toBe("");
  });
});

describe("GitStatusSink over SSH", () => {
  it("pushes status through git-receive-pack, then only when it changes", async () => {
    const secrets = await store("sink", `${sshd.knownHostsLine}\n`);
    const options = {
      repository: repository(secrets),
      cacheDir: cacheDir(),
      branch: "gitfleet/status",
      timeoutMs,
    };
    const sink = await GitStatusSink.create(options);
    const files = new Map([
      ["status/cluster.yaml", "sync: Synced\n"],
      ["STATUS.md", "# Status\n\nSynced\n"],
    ]);
    const result = await sink.write(files, "status: Synced");
    expect(result).toMatchObject({ committed: true, pushed: true });
    expect(await work.remoteLog("gitfleet/status")).toEqual([result.commit]);
    expect(await gitCli(bare, ["show", "gitfleet/status:status/cluster.yaml"])).toBe("sync: Synced");
    const before = (await sshd.commands()).length;
    const again = await sink.write(files, "status: Synced");
    expect(again).toMatchObject({ committed: false });
    expect((await sshd.commands()).slice(before).filter((c) => c.startsWith("git-receive-pack"))).toEqual([]);
    const next = await sink.write(
      new Map([...files, ["status/cluster.yaml", "sync: Degraded\n"]]),
      "Degraded",
    );
    expect(next).toMatchObject({ committed: true, pushed: true });
    expect(await gitCli(bare, ["show", "gitfleet/status:status/cluster.yaml"])).toBe("sync: Degraded");
    expect((await sshd.commands()).some((c) => c === `git-receive-pack '${bare}'`)).toBe(true);
    await gitCli(bare, ["fsck", "--strict"]);
  });
});
