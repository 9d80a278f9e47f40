import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { credentialsFromEnv, credentialsFromFile } from "../../../src/adapters/git/auth.js";
import { openGitDesired, type GitDesired } from "../../../src/daemon/git-desired.js";
import { serviceYaml, validRepo } from "../../support/git-fixtures.js";
import { type Harness, PASSWORD, USER, auth, startHarness } from "./harness.js";

describe("Desired from Git (GitCommitSource + DesiredLoader) during outages", () => {
  let h: Harness;
  afterEach(async () => h?.close());

  it("keeps the last good state while the server is down, backs off, and recovers", async () => {
    h = await startHarness(validRepo());
    let now = 1_000_000;
    const source = await openGitDesired({
      repository: { url: h.url, auth },
      cacheDir: h.cacheDir,
      clock: { now: () => now },
      backoff: { baseMs: 100, maxMs: 1_000, random: () => 0.5 },
    });
    const good = await source.poll();
    expect(source.nextRetryDelayMs()).toBe(0);

    await h.server.stop();
    now += 5_000;
    const down1 = await source.poll();
    now += 5_000;
    const down2 = await source.poll();

    expect(down1.desired).toBe(good.desired);
    expect(down1.changed).toBe(false);
    expect(down2.outage).toMatchObject({ since: 1_005_000, attempts: 2 });
    expect(down2.outage?.error).toMatch(
      /^git-unreachable: cannot reach Git server http:\/\/127\.0\.0\.1:\d+\/specs-\d+\.git: ECONNREFUSED/,
    );
    // attempt 2: ceiling 200 ms, half fixed plus half times the jitter.
    expect(source.nextRetryDelayMs()).toBe(150);
    for (let i = 0; i < 8; i++) await source.poll();
    expect(source.nextRetryDelayMs()).toBe(750); // capped at maxMs

    await h.server.resume();
    const next = await h.work.commitAndPush(
      { "services/web.yaml": serviceYaml("web", { replicas: 6 }) },
      "web to 6",
    );
    const back = await source.poll();
    expect(back.outage).toBeUndefined();
    expect(back.desired?.commit).toBe(next);
    expect(source.nextRetryDelayMs()).toBe(0);
  });

  it("gives up on a slow server after the request deadline", async () => {
    h = await startHarness(validRepo());
    const source = await openGitDesired({
      repository: { url: h.url, auth },
      cacheDir: h.cacheDir,
      timeoutMs: 5_000,
    });
    // git's CGI on a busy machine can miss even 5 s: the polls that set the scene may be
    // retried until one answers in time (the deadline itself is what is tested below).
    const answered = async (): Promise<Awaited<ReturnType<GitDesired["poll"]>>> => {
      const until = Date.now() + 120_000;
      for (;;) {
        const snap = await source.poll();
        if (snap.outage === undefined || Date.now() > until) return snap;
      }
    };
    const good = await answered();
    expect(good.desired).toBeDefined();
    // Far longer than the deadline: a poll that waited for the answer would take a minute.
    h.server.delayMs = 60_000;

    const started = Date.now();
    const slow = await source.poll();

    expect(Date.now() - started).toBeLessThan(30_000);
    expect(slow.outage?.error).toMatch(/^git-timeout: no answer from .* within 5000 ms/);
    expect(slow.desired).toBe(good.desired);
    h.server.delayMs = 0;
    expect((await answered()).outage).toBeUndefined();
  });

  it("reports HTTP errors from the server", async () => {
    h = await startHarness(validRepo());
    const source = await openGitDesired({ repository: { url: h.url, auth }, cacheDir: h.cacheDir });
    h.server.failStatus = 503;

    const snap = await source.poll();

    expect(snap.outage?.error).toMatch(/^git-http-error: Git server .* answered HTTP 503/);
    expect(snap.desired).toBeUndefined();
  });

  it("says clearly when the credentials are wrong or missing, and never shows them", async () => {
    h = await startHarness(validRepo());
    const wrong = await openGitDesired({
      repository: { url: h.url, auth: { username: USER, password: "not-the-password" } },
      cacheDir: h.cacheDir,
    });
    const none = await openGitDesired({ repository: { url: h.url }, cacheDir: `${h.cacheDir}-none` });

    const a = await wrong.poll();
    const b = await none.poll();

    expect(a.outage?.error).toMatch(
      /^git-auth-failed: authentication failed for .* \(HTTP 401\): .*wrong username, password or token/,
    );
    expect(a.outage?.error).not.toContain("not-the-password");
    expect(b.outage?.error).toMatch(/requires credentials and none are configured/);
    expect(h.server.count("upload-pack")).toBe(0);
  });

  it("takes credentials from a file or the environment", async () => {
    h = await startHarness(validRepo());
    const file = path.join(h.dir, "git-credentials.json");
    await writeFile(file, JSON.stringify({ username: USER, password: PASSWORD }), { mode: 0o600 });
    const fromFile = await openGitDesired({
      repository: { url: h.url, auth: credentialsFromFile(file) },
      cacheDir: h.cacheDir,
    });
    const env = { GITFLEET_GIT_USERNAME: USER, GITFLEET_GIT_TOKEN: PASSWORD };
    const fromEnv = await openGitDesired({
      repository: { url: h.url, auth: credentialsFromEnv(env) ?? {} },
      cacheDir: `${h.cacheDir}-env`,
    });

    expect((await fromFile.poll()).desired).toBeDefined();
    expect((await fromEnv.poll()).desired).toBeDefined();

    await writeFile(file, "{ not json");
    const broken = await fromFile.poll();
    expect(broken.outage?.error).toMatch(/^git-credentials-invalid: cannot read Git credentials file/);
  });
});
