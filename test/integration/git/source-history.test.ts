import { afterEach, describe, expect, it } from "vitest";
import { openGitDesired } from "../../../src/daemon/git-desired.js";
import { serviceYaml, validRepo } from "../../support/git-fixtures.js";
import { type Harness, auth, startHarness } from "./harness.js";

describe("Desired from Git (GitCommitSource + DesiredLoader): whole commits, rewrites, tags", () => {
  let h: Harness;
  afterEach(async () => h?.close());

  it("rejects a commit whose spec file is not UTF-8 as binary, at the file", async () => {
    h = await startHarness(validRepo());
    const source = await openGitDesired({ repository: { url: h.url, auth }, cacheDir: h.cacheDir });
    const good = await source.poll();
    // Latin-1 "é" (0xE9) in a comment: valid YAML to a lax decoder, not UTF-8.
    const latin1 = Uint8Array.from([
      ...Buffer.from(serviceYaml("web", { replicas: 2 })),
      ...Buffer.from("# caf"),
      0xe9,
      0x0a,
    ]);
    const bad = await h.work.commitAndPush({ "services/web.yaml": latin1 }, "latin-1 comment");

    const rejected = await source.poll();

    expect(rejected.rejected).toMatchObject({ commit: bad, reason: "invalid" });
    expect(rejected.rejected?.errors).toEqual([
      expect.objectContaining({ path: "services/web.yaml", line: 1, col: 1, code: "binary-file" }),
    ]);
    expect(rejected.desired).toBe(good.desired);
  });

  it("rejects an invalid commit whole, keeps the last good state, then applies the fix", async () => {
    h = await startHarness(validRepo());
    const source = await openGitDesired({ repository: { url: h.url, auth }, cacheDir: h.cacheDir });
    const good = await source.poll();
    const bad = await h.work.commitAndPush(
      {
        "services/api.yaml": serviceYaml("api", { replicas: 4 }),
        "services/web.yaml": "kind: Service\nname: web\nimage: web:1\ndeploy:\n  replicas: many\n",
      },
      "break web",
      { author: { name: "Bob Broken", email: "bob@example.com" } },
    );

    const rejected = await source.poll();

    expect(rejected.changed).toBe(true);
    expect(rejected.tip?.commit).toBe(bad);
    expect(rejected.desired).toBe(good.desired);
    expect(rejected.rejected).toMatchObject({
      commit: bad,
      author: "Bob Broken <bob@example.com>",
      message: "break web",
      reason: "invalid",
    });
    const errors = rejected.rejected?.errors ?? [];
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toMatchObject({ path: "services/web.yaml", line: 5 });
    // Nothing of the bad commit applied, not even its valid part.
    expect(rejected.desired?.state.services.find((s) => s.name === "api")?.deploy.replicas).toBe(1);

    const fix = await h.work.commitAndPush(
      { "services/web.yaml": serviceYaml("web", { replicas: 3 }) },
      "fix web",
    );
    const fixed = await source.poll();

    expect(fixed.desired?.commit).toBe(fix);
    expect(fixed.rejected).toBeUndefined();
    expect(fixed.desired?.state.services.map((s) => [s.name, s.deploy.replicas])).toEqual([
      ["api", 4],
      ["web", 3],
    ]);
  });

  it("refuses a force-push back to an older commit, keeps the applied one and says why", async () => {
    h = await startHarness(validRepo());
    const source = await openGitDesired({ repository: { url: h.url, auth }, cacheDir: h.cacheDir });
    const older = await h.work.head();
    const applied = await h.work.commitAndPush(
      { "services/web.yaml": serviceYaml("web", { replicas: 7 }) },
      "web to 7",
    );
    const before = await source.poll();
    expect(before.desired?.commit).toBe(applied);

    await h.work.git(["reset", "--quiet", "--hard", older]);
    await h.work.push("HEAD", { force: true });
    const after = await source.poll();

    expect(after.rewritten).toBe(true);
    expect(after.changed).toBe(true);
    expect(after.desired?.commit).toBe(applied);
    expect(after.rejected).toMatchObject({ commit: older, reason: "history-rewound" });
    expect(after.rejected?.errors).toEqual([
      expect.objectContaining({ code: "history-rewound", path: "", line: 0 }),
    ]);
    expect(after.rejected?.errors[0]?.message).toContain(
      `does not descend from the applied commit ${applied.slice(0, 12)}`,
    );
    expect(after.rejected?.errors[0]?.message).toContain("repository.allow_force_push");

    // A restarted operator (a new source on the same cache) still knows what was applied.
    const restarted = await openGitDesired({ repository: { url: h.url, auth }, cacheDir: h.cacheDir });
    const afterRestart = await restarted.poll();
    expect(afterRestart.rejected).toMatchObject({ commit: older, reason: "history-rewound" });
    expect(afterRestart.desired?.commit).toBe(applied);
    expect(afterRestart.desired?.state.services.find((s) => s.name === "web")?.deploy.replicas).toBe(7);

    // New work on top of the rewound branch is still not a descendant of what runs.
    const onTop = await h.work.commitAndPush(
      { "services/api.yaml": serviceYaml("api", { replicas: 2 }) },
      "api to 2",
    );
    const still = await source.poll();
    expect(still.desired?.commit).toBe(applied);
    expect(still.rejected).toMatchObject({ commit: onTop, reason: "history-rewound" });
  });

  it("takes a force-pushed tip when the operator allows it, and says the branch was rewritten", async () => {
    h = await startHarness(validRepo());
    const source = await openGitDesired({
      repository: { url: h.url, auth },
      cacheDir: h.cacheDir,
      allowForcePush: true,
    });
    await h.work.commitAndPush({ "services/web.yaml": serviceYaml("web", { replicas: 7 }) }, "web to 7");
    const before = await source.poll();
    expect(before.rewritten).toBe(false);

    await h.work.git(["reset", "--quiet", "--hard", "HEAD~1"]);
    await h.work.write({ "services/api.yaml": serviceYaml("api", { replicas: 2 }) });
    const rewritten = await h.work.commit("api to 2, history rewritten");
    await h.work.push("HEAD", { force: true });
    const after = await source.poll();

    expect(after.rewritten).toBe(true);
    expect(after.rejected).toBeUndefined();
    expect(after.desired?.commit).toBe(rewritten);
    expect(after.desired?.state.services.map((s) => [s.name, s.deploy.replicas])).toEqual([
      ["api", 2],
      ["web", 2],
    ]);

    const next = await h.work.commitAndPush(
      { "services/web.yaml": serviceYaml("web", { replicas: 1 }) },
      "ff again",
    );
    const ff = await source.poll();
    expect(ff.desired?.commit).toBe(next);
    expect(ff.rewritten).toBe(false);
  });

  it("follows one tag (annotated), and the highest tag matching a semver range", async () => {
    h = await startHarness(validRepo());
    const v100 = await h.work.head();
    await h.work.tag("v1.0.0", { annotated: true });
    const v120 = await h.work.commitAndPush(
      { "services/web.yaml": serviceYaml("web", { replicas: 3 }) },
      "1.2.0",
    );
    await h.work.tag("v1.2.0");
    const v200 = await h.work.commitAndPush(
      { "services/web.yaml": serviceYaml("web", { replicas: 9 }) },
      "2.0.0",
    );
    await h.work.tag("v2.0.0", { annotated: true });
    await h.work.commitAndPush({ "services/web.yaml": serviceYaml("web", { replicas: 4 }) }, "1.3.0-rc.1");
    await h.work.tag("v1.3.0-rc.1");

    const pinned = await openGitDesired({
      repository: { url: h.url, auth },
      cacheDir: `${h.cacheDir}-tag`,
      ref: { tag: "v1.0.0" },
    });
    const caret = await openGitDesired({
      repository: { url: h.url, auth },
      cacheDir: `${h.cacheDir}-caret`,
      ref: { semver: "^1.0.0" },
    });

    expect((await pinned.poll()).desired?.commit).toBe(v100);
    const one = await caret.poll();
    expect(one.desired?.commit).toBe(v120);
    expect(one.desired?.state.services.find((s) => s.name === "web")?.deploy.replicas).toBe(3);

    // A new matching release moves the range; 2.0.0 is out of it.
    await h.work.git(["checkout", "--quiet", "-b", "release-1", v120]);
    const v131 = await h.work.commitAndPush(
      { "services/api.yaml": serviceYaml("api", { replicas: 2 }) },
      "1.3.1",
    );
    await h.work.tag("v1.3.1", { annotated: true });
    const moved = await caret.poll();
    expect(moved.desired?.commit).toBe(v131);
    expect(moved.rewritten).toBe(false);
    expect(v200).not.toBe(v131);
  });
});
