import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { GitStatusSink } from "../../../src/adapters/git/sink.js";
import { openGitDesired } from "../../../src/daemon/git-desired.js";
import {
  WorkRepo,
  createBareRepo,
  gitCli,
  removeDir,
  tempDir,
  validRepo,
} from "../../support/git-fixtures.js";

describe("Desired from Git (GitCommitSource + DesiredLoader) and GitStatusSink on a repository on local disk", () => {
  let dir: string;
  afterEach(async () => removeDir(dir));

  it("reads the branch in place and writes status with git's ref locking", async () => {
    dir = await tempDir("local");
    const bare = await createBareRepo(dir, "specs.git");
    const work = await WorkRepo.clone(bare, path.join(dir, "work"));
    const first = await work.commitAndPush(validRepo(), "initial specs");
    const source = await openGitDesired({ repository: { path: bare } });
    const sink = await GitStatusSink.create({ repository: { path: bare } });

    const snap = await source.poll();
    const status = await sink.write(new Map([["status/cluster.yaml", "sync: Synced\n"]]), "status: Synced");
    const next = await work.commitAndPush({ "README.md": "# specs, documented\n" }, "docs only");
    const again = await source.poll();

    expect(snap.desired?.commit).toBe(first);
    expect(status.committed).toBe(true);
    expect(await gitCli(bare, ["log", "-1", "--format=%an|%s", "gitfleet/status"])).toBe(
      "gitfleet|status: Synced",
    );
    await gitCli(bare, ["fsck", "--strict"]);
    // A new commit with the same spec content: applied, the loaded state reused as is.
    expect(again.desired?.commit).toBe(next);
    expect(again.desired?.state).toBe(snap.desired?.state);
  });

  it("refuses to move a ref that someone else holds locked", async () => {
    dir = await tempDir("local-lock");
    const bare = await createBareRepo(dir, "specs.git");
    const work = await WorkRepo.clone(bare, path.join(dir, "work"));
    await work.commitAndPush(validRepo(), "initial specs");
    const sink = await GitStatusSink.create({
      repository: { path: bare },
      maxAttempts: 2,
      sleep: async () => undefined,
    });
    await gitCli(bare, ["update-ref", "refs/heads/gitfleet/status", await work.head()]);
    const { writeFile } = await import("node:fs/promises");
    await writeFile(path.join(bare, "refs/heads/gitfleet/status.lock"), "");

    const result = await sink.write(new Map([["STATUS.md", "# Status\n"]]), "status");

    expect(result.pushed).toBe(false);
    expect(result.error).toMatch(/^git-push-rejected: .*locked/);
    expect(await gitCli(bare, ["rev-parse", "gitfleet/status"])).toBe(await work.head());
  });
});
