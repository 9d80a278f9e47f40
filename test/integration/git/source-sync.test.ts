import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { openGitDesired } from "../../../src/daemon/git-desired.js";
import { serviceYaml, validRepo } from "../../support/git-fixtures.js";
import { type Harness, auth, startHarness } from "./harness.js";

describe("Desired from Git (GitCommitSource + DesiredLoader) over smart HTTP", () => {
  let h: Harness;
  afterEach(async () => h?.close());

  it("first sync loads the spec at the tip of main", async () => {
    h = await startHarness(validRepo());
    const tip = await h.work.head();
    const source = await openGitDesired({ repository: { url: h.url, auth }, cacheDir: h.cacheDir });

    const snap = await source.poll();

    expect(snap.outage).toBeUndefined();
    expect(snap.changed).toBe(true);
    expect(snap.tip?.commit).toBe(tip);
    expect(snap.desired?.commit).toBe(tip);
    expect(snap.desired?.author).toBe("Alice Example <alice@example.com>");
    expect(snap.desired?.state.services.map((s) => s.name)).toEqual(["api", "web"]);
    expect([...(snap.desired?.files.keys() ?? [])]).toEqual([
      "cluster.yaml",
      "services/api.yaml",
      "services/web.yaml",
    ]);
    expect(snap.rejected).toBeUndefined();
    expect(snap.rewritten).toBe(false);
  });

  it("a poll with nothing new makes one ref advertisement and no fetch", async () => {
    h = await startHarness(validRepo());
    const source = await openGitDesired({ repository: { url: h.url, auth }, cacheDir: h.cacheDir });
    const first = await source.poll();
    h.server.resetCounts();

    const snap = await source.poll();

    expect(snap.changed).toBe(false);
    expect(snap.desired).toBe(first.desired);
    expect(h.server.count("info-refs-upload")).toBe(1);
    expect(h.server.count("upload-pack")).toBe(0);
  });

  it("picks up a new commit, reading only the blob that changed", async () => {
    h = await startHarness(validRepo());
    const source = await openGitDesired({ repository: { url: h.url, auth }, cacheDir: h.cacheDir });
    await source.poll();
    const next = await h.work.commitAndPush(
      { "services/web.yaml": serviceYaml("web", { replicas: 5 }) },
      "scale web",
    );
    h.server.resetCounts();

    const snap = await source.poll();

    expect(snap.changed).toBe(true);
    expect(snap.desired?.commit).toBe(next);
    expect(snap.desired?.message).toBe("scale web");
    expect(snap.desired?.state.services.find((s) => s.name === "web")?.deploy.replicas).toBe(5);
    expect(source.lastReadStats).toEqual({ treesRead: 2, blobsRead: 1 });
    expect(h.server.count("upload-pack")).toBe(1);
  });

  it("fetches only what is new: a shallow first fetch, then each fetch tells the server what the cache has", async () => {
    h = await startHarness(validRepo());
    // History the operator should never download: 10 commits of an incompressible 20 kB file.
    for (let i = 0; i < 10; i++) {
      await h.work.write({ "docs/notes.txt": randomBytes(10_000).toString("hex") });
      await h.work.commit(`notes ${i}`);
    }
    await h.work.push();
    const source = await openGitDesired({ repository: { url: h.url, auth }, cacheDir: h.cacheDir });
    h.server.resetCounts();
    await source.poll();
    const initial = h.server.bytes("upload-pack");

    const perFetch: number[] = [];
    for (let i = 1; i <= 4; i++) {
      await h.work.commitAndPush({ "services/web.yaml": serviceYaml("web", { replicas: i }) }, `web to ${i}`);
      h.server.resetCounts();
      const snap = await source.poll();
      expect(snap.desired?.state.services.find((s) => s.name === "web")?.deploy.replicas).toBe(i);
      perFetch.push(h.server.bytes("upload-pack"));
    }

    // Depth 1: one version of the notes (about 11 kB packed), not ten.
    expect(initial).toBeLessThan(30_000);
    // One commit, two trees, one small blob each time, and no growth from poll to poll.
    for (const bytes of perFetch) expect(bytes).toBeLessThan(1_500);
    expect(Math.max(...perFetch)).toBeLessThan(2 * Math.min(...perFetch));
  });
});
