import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { GitStatusSink } from "../../../src/adapters/git/sink.js";
import { openGitDesired } from "../../../src/daemon/git-desired.js";
import { WorkRepo, gitCli, serviceYaml, validRepo } from "../../support/git-fixtures.js";
import { type Harness, auth, startHarness } from "./harness.js";

const NOW = Date.UTC(2030, 0, 2, 3, 4, 5);
const clock = { now: () => NOW };
const noSleep = async (): Promise<void> => undefined;

function statusFiles(state: string): Map<string, string> {
  return new Map([
    ["status/cluster.yaml", `sync: ${state}\n`],
    ["status/services/api.yaml", "desired: 1\nrunning: 1\n"],
    ["STATUS.md", `# Status\n\n${state}\n`],
  ]);
}

async function lsTree(bare: string, ref: string): Promise<string[]> {
  return (await gitCli(bare, ["ls-tree", "-r", "--name-only", ref])).split("\n").filter(Boolean);
}

describe("GitStatusSink", () => {
  let h: Harness;
  afterEach(async () => h?.close());

  it("creates the status branch as an orphan holding only status files", async () => {
    h = await startHarness(validRepo());
    const sink = await GitStatusSink.create({
      repository: { url: h.url, auth },
      cacheDir: h.cacheDir,
      clock,
    });

    const result = await sink.write(statusFiles("Synced"), "status: Synced at abc1234");

    expect(result).toMatchObject({ committed: true, pushed: true });
    expect(await h.work.remoteLog("gitfleet/status")).toEqual([result.commit]);
    expect(await lsTree(h.bare, "gitfleet/status")).toEqual([
      "STATUS.md",
      "status/cluster.yaml",
      "status/services/api.yaml",
    ]);
    const meta = await gitCli(h.bare, ["log", "-1", "--format=%an <%ae>|%at|%P|%s", "gitfleet/status"]);
    expect(meta).toBe(`gitfleet <gitfleet@localhost>|${NOW / 1000}||status: Synced at abc1234`);
    expect(await gitCli(h.bare, ["show", "gitfleet/status:status/cluster.yaml"])).toBe("sync: Synced");
    await gitCli(h.bare, ["fsck", "--strict"]);
  });

  it("commits only when the content changes", async () => {
    h = await startHarness(validRepo());
    const options = { repository: { url: h.url, auth }, cacheDir: h.cacheDir, clock };
    const sink = await GitStatusSink.create(options);
    const first = await sink.write(statusFiles("Synced"), "status: Synced");
    h.server.resetCounts();

    const again = await sink.write(statusFiles("Synced"), "status: Synced");
    // A restarted operator has no memory of what it wrote: it compares with the branch.
    const restarted = await GitStatusSink.create({ ...options, cacheDir: path.join(h.dir, "cache2") });
    const afterRestart = await restarted.write(statusFiles("Synced"), "status: Synced");

    expect(again).toMatchObject({ committed: false, commit: first.commit });
    expect(afterRestart).toMatchObject({ committed: false, commit: first.commit });
    expect(h.server.count("receive-pack")).toBe(0);
    expect(await h.work.remoteLog("gitfleet/status")).toEqual([first.commit]);

    const changed = await sink.write(statusFiles("Degraded"), "status: Degraded");
    expect(changed.committed).toBe(true);
    expect(await h.work.remoteLog("gitfleet/status")).toEqual([changed.commit, first.commit]);
  });

  it("removes status files that are no longer reported and keeps files people added", async () => {
    h = await startHarness(validRepo());
    const sink = await GitStatusSink.create({
      repository: { url: h.url, auth },
      cacheDir: h.cacheDir,
      clock,
    });
    await sink.write(statusFiles("Synced"), "status: Synced");
    const human = await WorkRepo.clone(h.bare, path.join(h.dir, "human"));
    await human.git(["checkout", "--quiet", "gitfleet/status"]);
    await human.commitAndPush({ "NOTES.md": "kept\n" }, "a note on the status branch");

    const files = statusFiles("Synced");
    files.delete("status/services/api.yaml");
    const result = await sink.write(files, "status: api removed");

    expect(result.committed).toBe(true);
    expect(await lsTree(h.bare, "gitfleet/status")).toEqual(["NOTES.md", "STATUS.md", "status/cluster.yaml"]);
  });

  it.each(["info-refs-receive", "receive-pack"] as const)(
    "rebases onto a commit a person pushed concurrently (during %s) and keeps both",
    async (moment) => {
      h = await startHarness(validRepo());
      const sink = await GitStatusSink.create({
        repository: { url: h.url, auth },
        cacheDir: h.cacheDir,
        clock,
        sleep: noSleep,
      });
      await sink.write(statusFiles("Synced"), "status: Synced");
      const human = await WorkRepo.clone(h.bare, path.join(h.dir, "human"));
      await human.git(["checkout", "--quiet", "gitfleet/status"]);
      let humanCommit = "";
      h.server.beforeRequest = async (kind) => {
        if (kind !== moment || humanCommit) return;
        humanCommit = await human.commitAndPush(
          { "NOTES.md": "pushed during the operator's push\n" },
          "human note",
        );
      };
      h.server.resetCounts();

      const result = await sink.write(statusFiles("Degraded"), "status: Degraded");

      expect(result).toMatchObject({ committed: true, pushed: true });
      const log = await h.work.remoteLog("gitfleet/status");
      expect(log[0]).toBe(result.commit);
      expect(log).toContain(humanCommit);
      expect(await gitCli(h.bare, ["rev-parse", `${result.commit}^`])).toBe(humanCommit);
      expect(await lsTree(h.bare, "gitfleet/status")).toContain("NOTES.md");
      expect(await gitCli(h.bare, ["show", "gitfleet/status:status/cluster.yaml"])).toBe("sync: Degraded");
      expect(h.server.count("info-refs-receive")).toBe(2);
    },
  );

  it("on the watched branch touches only status/ and STATUS.md, and the source ignores it", async () => {
    h = await startHarness(validRepo());
    const source = await openGitDesired({ repository: { url: h.url, auth }, cacheDir: h.cacheDir });
    const before = await source.poll();
    const sink = await GitStatusSink.create({
      repository: { url: h.url, auth },
      cacheDir: h.cacheDir,
      branch: "main",
      clock,
    });
    const specFiles = await lsTree(h.bare, "main");

    const result = await sink.write(statusFiles("Synced"), "status: Synced");
    const snap = await source.poll();

    expect(result.committed).toBe(true);
    expect(await gitCli(h.bare, ["diff", "--name-only", "main~1", "main"])).toBe(
      ["STATUS.md", "status/cluster.yaml", "status/services/api.yaml"].join("\n"),
    );
    expect(await lsTree(h.bare, "main")).toEqual(
      [...specFiles, "STATUS.md", "status/cluster.yaml", "status/services/api.yaml"].sort(),
    );
    expect(snap.tip?.commit).toBe(result.commit);
    expect(snap.changed).toBe(false);
    expect(snap.desired).toBe(before.desired);

    // A person's commit on top, then the operator's status rebased onto it: the person's commit is desired.
    await h.work.git(["pull", "--quiet", "--rebase"]);
    const human = await h.work.commitAndPush(
      { "services/api.yaml": serviceYaml("api", { replicas: 3 }) },
      "scale api",
    );
    const status2 = await sink.write(statusFiles("Progressing"), "status: Progressing");
    const after = await source.poll();
    expect(await gitCli(h.bare, ["rev-parse", `${status2.commit}^`])).toBe(human);
    expect(after.changed).toBe(true);
    expect(after.tip?.commit).toBe(status2.commit);
    expect(after.desired?.commit).toBe(human);
  });
});
