// Issue 13, item 3: a status write costs what changed. Unchanged files and
// directories keep their object ids (only the changed blob and the trees
// above it are written), a write builds on the tip the sink last pushed
// without asking for the ref list, and the cache stays bounded: every
// `compactEvery` pushes it is rewritten as the tip's objects alone (shallow
// at the tip), while the server keeps the whole history.

import { readdir } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { GitStatusSink } from "../../../src/adapters/git/sink.js";
import { gitCli, validRepo } from "../../support/git-fixtures.js";
import { type Harness, auth, startHarness } from "./harness.js";

const clock = { now: () => Date.UTC(2030, 0, 2, 3, 4, 5) };

async function storeCounts(gitdir: string): Promise<{ loose: number; packs: number }> {
  const objects = path.join(gitdir, "objects");
  let loose = 0;
  for (const d of await readdir(objects))
    if (/^[0-9a-f]{2}$/.test(d)) loose += (await readdir(path.join(objects, d))).length;
  const packs = (await readdir(path.join(objects, "pack"))).filter((f) => f.endsWith(".pack")).length;
  return { loose, packs };
}

describe("GitStatusSink write cost", () => {
  let h: Harness;
  afterEach(async () => h?.close());

  it("writes only the changed blob and the trees above it, asks for no ref list, and keeps its cache bounded", async () => {
    h = await startHarness(validRepo());
    const compactEvery = 10;
    const sink = await GitStatusSink.create({
      repository: { url: h.url, auth },
      cacheDir: h.cacheDir,
      clock,
      compactEvery,
    });
    const files = new Map<string, string>([["STATUS.md", "# Status\n"]]);
    for (let i = 0; i < 60; i++)
      files.set(`status/services/s${i}.yaml`, `desired: 1\nrunning: 1\nn: 0\n`.replace("0", String(i)));
    expect((await sink.write(files, "status: first")).pushed).toBe(true);
    h.server.resetCounts();

    const gitdir = path.join(h.cacheDir, "status.git");
    const counts: { loose: number; packs: number }[] = [];
    const writes = 25;
    for (let i = 1; i <= writes; i++) {
      files.set(`status/services/s${i % 60}.yaml`, `desired: 1\nrunning: ${i}\n`);
      const result = await sink.write(files, `status: ${i}`);
      expect(result).toMatchObject({ committed: true, pushed: true });
      // The changed blob, status/services/, status/ and the root tree: the 60 others are reused.
      expect(sink.lastObjectsWritten).toBe(4);
      counts.push(await storeCounts(gitdir));
    }
    // No ref list per write: the push's compare-and-swap checks the tip it built on.
    expect(h.server.count("info-refs-upload")).toBe(0);
    expect(h.server.count("receive-pack")).toBe(writes);
    // Bounded: the first compaction comes within `compactEvery` pushes and leaves one pack, no
    // loose object; from then on at most `compactEvery` writes' objects (5 each) are loose.
    const first = counts.findIndex((c) => c.loose === 0);
    expect(first).toBeGreaterThanOrEqual(0);
    expect(first).toBeLessThan(compactEvery);
    expect(counts[first]).toEqual({ loose: 0, packs: 1 });
    const after = counts.slice(first);
    expect(Math.max(...after.map((c) => c.loose))).toBeLessThanOrEqual(5 * compactEvery);
    expect(Math.max(...after.map((c) => c.loose))).toBeGreaterThan(0);
    expect(Math.max(...after.map((c) => c.packs))).toBe(1);
    // git agrees the cache is sound (shallow at its tip), and the server has the whole history.
    await gitCli(gitdir, ["fsck", "--no-dangling"]);
    expect(await gitCli(h.bare, ["rev-list", "--count", "gitfleet/status"])).toBe(String(writes + 1));
    await gitCli(h.bare, ["fsck", "--strict"]);
    expect(await gitCli(h.bare, ["show", `gitfleet/status:status/services/s${writes % 60}.yaml`])).toBe(
      `desired: 1\nrunning: ${writes}`,
    );
    // A fresh operator reads it back.
    const restarted = await GitStatusSink.create({
      repository: { url: h.url, auth },
      cacheDir: path.join(h.dir, "c2"),
    });
    expect(await restarted.readStatus()).toEqual(
      new Map([...files].filter(([p]) => p.startsWith("status/"))),
    );
  }, 300_000);

  it("builds on someone else's commit when the tip it remembered moved, keeping theirs", async () => {
    h = await startHarness(validRepo());
    const sink = await GitStatusSink.create({
      repository: { url: h.url, auth },
      cacheDir: h.cacheDir,
      clock,
    });
    await sink.write(new Map([["status/cluster.yaml", "sync: A\n"]]), "status: A");
    // A person adds a file to the status branch behind the sink's back.
    await h.work.git(["fetch", "--quiet", "origin", "gitfleet/status"]);
    await h.work.git(["checkout", "--quiet", "-B", "st", "FETCH_HEAD"]);
    await h.work.write({ "notes.md": "hello\n" });
    await h.work.commit("a note");
    await h.work.push("HEAD:refs/heads/gitfleet/status");
    const result = await sink.write(new Map([["status/cluster.yaml", "sync: B\n"]]), "status: B");
    expect(result).toMatchObject({ committed: true, pushed: true });
    expect(await gitCli(h.bare, ["show", "gitfleet/status:notes.md"])).toBe("hello");
    expect(await gitCli(h.bare, ["show", "gitfleet/status:status/cluster.yaml"])).toBe("sync: B");
    expect(await gitCli(h.bare, ["rev-list", "--count", "gitfleet/status"])).toBe("3");
  }, 120_000);
});
