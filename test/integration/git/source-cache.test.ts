import { readdir } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openGitDesired } from "../../../src/daemon/git-desired.js";
import { loadSpec } from "../../../src/spec/index.js";
import { gitCli, serviceYaml, validRepo } from "../../support/git-fixtures.js";
import { type Harness, auth, startHarness } from "./harness.js";

describe("Desired from Git (GitCommitSource + DesiredLoader) cache upkeep", () => {
  let h: Harness;
  afterEach(async () => h?.close());

  it("keeps the number of packs bounded across many fetches, and every object readable", async () => {
    h = await startHarness(validRepo());
    const source = await openGitDesired({
      repository: { url: h.url, auth },
      cacheDir: h.cacheDir,
      maxPacks: 3,
    });
    await source.poll();
    const packsDir = path.join(h.cacheDir, "source.git", "objects", "pack");
    const counts: number[] = [];
    for (let i = 2; i <= 9; i++) {
      await h.work.commitAndPush({ "services/web.yaml": serviceYaml("web", { replicas: i }) }, `web to ${i}`);
      const snap = await source.poll();
      expect(snap.desired?.state.services.find((s) => s.name === "web")?.deploy.replicas).toBe(i);
      counts.push((await readdir(packsDir)).filter((f) => f.endsWith(".pack")).length);
    }

    // The repack follows the poll's answer (the next poll waits for it): a poll may answer
    // with the pack it fetched on top of the limit, never more.
    expect(Math.max(...counts)).toBe(4);
    await source.poll(); // nothing new: only waits for the repack that followed the last fetch
    expect((await readdir(packsDir)).filter((f) => f.endsWith(".pack")).length).toBeLessThanOrEqual(3);
    // git itself agrees the cache is sound, and the latest tree is complete.
    const gitdir = path.join(h.cacheDir, "source.git");
    await gitCli(gitdir, ["fsck", "--no-dangling"]);
    const files = await gitCli(gitdir, ["ls-tree", "-r", "--name-only", "refs/heads/gitfleet-tip"]);
    expect(files.split("\n")).toContain("services/web.yaml");
  });

  it("serialises concurrent polls: one fetch for one new commit", async () => {
    h = await startHarness(validRepo());
    const source = await openGitDesired({ repository: { url: h.url, auth }, cacheDir: h.cacheDir });
    await source.poll();
    const next = await h.work.commitAndPush(
      { "services/api.yaml": serviceYaml("api", { replicas: 3 }) },
      "api to 3",
    );
    h.server.resetCounts();

    const [a, b] = await Promise.all([source.poll(), source.poll()]);

    expect(a.desired?.commit).toBe(next);
    expect(b.desired?.commit).toBe(next);
    expect([a.changed, b.changed]).toEqual([true, false]);
    expect(h.server.count("upload-pack")).toBe(1);
    expect(h.server.count("info-refs-upload")).toBe(2); // one ref list per poll: the fetch reuses it
  });

  it("parses only the spec files whose blobs changed, and the state is a fresh load's", async () => {
    const files = validRepo();
    for (let i = 0; i < 30; i++) files[`services/s${i}.yaml`] = serviceYaml(`s${i}`, { published: 9000 + i });
    h = await startHarness(files);
    const source = await openGitDesired({ repository: { url: h.url, auth }, cacheDir: h.cacheDir });
    try {
      expect((await source.poll()).desired).toBeDefined();
      expect(source.lastLoadWork).toEqual({ filesParsed: 33, servicesNormalised: 32 });

      files["services/s7.yaml"] = serviceYaml("s7", { published: 9007, replicas: 3 });
      await h.work.commitAndPush({ "services/s7.yaml": files["services/s7.yaml"] }, "s7 to 3");
      const snap = await source.poll();
      expect(source.lastLoadWork).toEqual({ filesParsed: 1, servicesNormalised: 1 });
      const fresh = loadSpec(new Map(Object.entries(files)));
      expect(fresh.ok && snap.desired?.state).toEqual(fresh.ok && fresh.state);

      // A port collision with an unchanged file: the cross-document rules still see every service.
      await h.work.commitAndPush({ "services/s8.yaml": serviceYaml("s8", { published: 9007 }) }, "clash");
      const clash = await source.poll();
      expect(source.lastLoadWork).toEqual({ filesParsed: 1, servicesNormalised: 1 });
      expect(clash.desired?.commit).toBe(snap.desired?.commit);
      expect(clash.rejected?.errors.map((e) => `${e.path}:${e.line}:${e.col} ${e.code}`)).toEqual([
        "services/s8.yaml:6:16 port-conflict",
      ]);
    } finally {
      await source.close();
    }
  });
});
