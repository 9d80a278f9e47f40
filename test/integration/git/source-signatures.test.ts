import { execFile } from "node:child_process";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import * as openpgp from "openpgp";
import { afterEach, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { GitStatusSink } from "../../../src/adapters/git/sink.js";
import { openGitDesired, type GitDesired } from "../../../src/daemon/git-desired.js";
import { serviceYaml, validRepo } from "../../support/git-fixtures.js";
import { type Harness, auth, startHarness } from "./harness.js";

interface Key {
  readonly privateKey: openpgp.PrivateKey;
  readonly armoredPrivate: string;
  readonly armoredPublic: string;
}

async function newKey(name: string): Promise<Key> {
  const { privateKey, publicKey } = await openpgp.generateKey({
    userIDs: [{ name, email: `${name.toLowerCase()}@example.com` }],
    format: "armored",
  });
  return {
    privateKey: await openpgp.readPrivateKey({ armoredKey: privateKey }),
    armoredPrivate: privateKey,
    armoredPublic: publicKey,
  };
}

/** A detached signature over `payload`, as `git commit -S` makes with gpg. */
function signer(key: Key, tamper = false): (payload: string) => Promise<string> {
  return async (payload) => {
    const message = await openpgp.createMessage({
      binary: new TextEncoder().encode(tamper ? `${payload}x` : payload),
    });
    return openpgp.sign({ message, signingKeys: key.privateKey, detached: true, format: "armored" });
  };
}

function run(cmd: string, args: string[], env: Record<string, string>, stdin = ""): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { env: { ...process.env, ...env } }, (err) =>
      err ? reject(err) : resolve(),
    );
    child.stdin?.end(stdin);
  });
}

describe("Desired from Git (GitCommitSource + DesiredLoader) with commit signature verification", () => {
  let h: Harness;
  let trusted: Key;
  let stranger: Key;
  beforeAll(async () => {
    [trusted, stranger] = await Promise.all([newKey("Trusted"), newKey("Stranger")]);
  });
  afterEach(async () => h?.close());

  async function signedStart(allowForcePush = false): Promise<{ source: GitDesired; first: string }> {
    h = await startHarness();
    await h.work.write(validRepo());
    const first = await h.work.commitWithSignature("signed initial specs", signer(trusted));
    await h.work.push();
    const source = await openGitDesired({
      repository: { url: h.url, auth },
      cacheDir: h.cacheDir,
      trustedKeys: [trusted.armoredPublic],
      allowForcePush,
    });
    return { source, first };
  }

  it("refuses a force-push back to an older signed commit, even where force-pushes are allowed", async () => {
    const { source, first } = await signedStart(true);
    await source.poll();
    await h.work.write({ "services/web.yaml": serviceYaml("web", { replicas: 5 }) });
    const newer = await h.work.commitWithSignature("signed: web to 5", signer(trusted));
    await h.work.push();
    expect((await source.poll()).desired?.commit).toBe(newer);

    // The old commit is still validly signed: replaying it is what verification must stop.
    await h.work.git(["reset", "--quiet", "--hard", first]);
    await h.work.push("HEAD", { force: true });
    const snap = await source.poll();

    expect(snap.desired?.commit).toBe(newer);
    expect(snap.rejected).toMatchObject({ commit: first, reason: "history-rewound" });
    expect(snap.rejected?.errors[0]?.message).toContain(
      "with signature verification on, a rewound branch is always refused",
    );
  });

  it("applies commits signed by a trusted key and rejects unsigned, untrusted and bad signatures", async () => {
    const { source, first } = await signedStart();
    const applied = await source.poll();
    expect(applied.desired?.commit).toBe(first);

    const cases = [
      { reason: "unsigned", commit: () => h.work.commit("unsigned change") },
      {
        reason: "untrusted-signature",
        commit: () => h.work.commitWithSignature("by a stranger", signer(stranger)),
      },
      {
        reason: "bad-signature",
        commit: () => h.work.commitWithSignature("tampered", signer(trusted, true)),
      },
    ] as const;
    for (const [i, c] of cases.entries()) {
      await h.work.write({ "services/web.yaml": serviceYaml("web", { replicas: 10 + i }) });
      const oid = await c.commit();
      await h.work.push();
      const snap = await source.poll();
      expect(snap.rejected).toMatchObject({ commit: oid, reason: c.reason });
      expect(snap.rejected?.errors[0]).toMatchObject({ code: c.reason });
      expect(snap.desired?.commit).toBe(first);
    }

    await h.work.write({ "services/web.yaml": serviceYaml("web", { replicas: 4 }) });
    const good = await h.work.commitWithSignature("signed again", signer(trusted));
    await h.work.push();
    const back = await source.poll();
    expect(back.desired?.commit).toBe(good);
    expect(back.rejected).toBeUndefined();
  });

  it("verifies a commit signed by the git command line with gpg", async () => {
    const { source } = await signedStart();
    const gnupg = path.join(h.dir, "gnupg");
    await mkdir(gnupg, { mode: 0o700 });
    const env = { GNUPGHOME: gnupg };
    await run("gpg", ["--batch", "--import"], env, trusted.armoredPrivate);
    onTestFinished(() => run("gpgconf", ["--kill", "all"], env).catch(() => undefined));
    const keyId = trusted.privateKey.getKeyID().toHex();
    await h.work.write({ "services/api.yaml": serviceYaml("api", { replicas: 2 }) });
    await h.work.git(["add", "-A"]);
    await h.work.git(
      ["-c", `user.signingkey=${keyId}`, "commit", "--quiet", "-S", "-m", "signed by gpg"],
      env,
    );
    const oid = await h.work.head();
    await h.work.push();

    const snap = await source.poll();

    expect(snap.rejected).toBeUndefined();
    expect(snap.desired?.commit).toBe(oid);
  });

  it("does not reject the operator's own unsigned status commits on the watched branch", async () => {
    const { source, first } = await signedStart();
    await source.poll();
    const sink = await GitStatusSink.create({
      repository: { url: h.url, auth },
      cacheDir: h.cacheDir,
      branch: "main",
    });
    const status = await sink.write(new Map([["status/cluster.yaml", "sync: Synced\n"]]), "status: Synced");

    const snap = await source.poll();

    expect(snap.tip?.commit).toBe(status.commit);
    expect(snap.rejected).toBeUndefined();
    expect(snap.desired?.commit).toBe(first);
    expect(snap.changed).toBe(false);
  });
});
