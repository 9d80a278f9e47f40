// The status tree's blobs are written by hand (status-tree.ts: one buffer,
// hashed, deflated only when missing): Git must read them as it would its own,
// and an object the store already has, loose or packed, is not written again.

import { readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LocalRemote } from "../../../src/adapters/git/remote-local.js";
import { buildStatusTree } from "../../../src/adapters/git/status-tree.js";
import { gitCli, removeDir, tempDir } from "../../support/git-fixtures.js";

const FILES = new Map([
  ["STATUS.md", "# Status\n\nSynced — ünïcödé, 日本語, 🚀\n"],
  ["status/cluster.yaml", "sync: Synced\n".repeat(50_000)],
  ["status/services/empty.yaml", ""],
  ["status/services/api.yaml", "desired: 1\nrunning: 1\n"],
]);

/** The types of the loose objects of a repository, sorted ("blob", "tree"). */
async function looseTypes(dir: string): Promise<string[]> {
  const objects = path.join(dir, ".git", "objects");
  const types: string[] = [];
  for (const d of await readdir(objects))
    if (/^[0-9a-f]{2}$/.test(d))
      for (const f of await readdir(path.join(objects, d)))
        types.push(await gitCli(dir, ["cat-file", "-t", d + f]));
  return types.sort();
}

describe("status tree blobs", () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir !== undefined) await removeDir(dir);
  });

  it("writes blobs Git reads back byte for byte, with Git's ids", async () => {
    dir = await tempDir("status-blobs");
    await gitCli(dir, ["init", "-q"]);
    const store = await LocalRemote.open(dir);
    const tree = await buildStatusTree(store, undefined, FILES);
    await gitCli(dir, ["fsck", "--strict", "--no-dangling"]);
    const listed = await gitCli(dir, ["ls-tree", "-r", tree]);
    for (const [p, content] of FILES) {
      const file = path.join(dir, "expected");
      await writeFile(file, content);
      const oid = await gitCli(dir, ["hash-object", file]);
      expect(listed).toContain(`blob ${oid}\t${p}`);
      // fsck --strict checked that each object inflates to bytes that hash to its id.
      expect(Number(await gitCli(dir, ["cat-file", "-s", oid]))).toBe(Buffer.byteLength(content));
    }
  });

  it("writes no blob the store has, even packed", async () => {
    dir = await tempDir("status-blobs");
    await gitCli(dir, ["init", "-q"]);
    const store = await LocalRemote.open(dir);
    const tree = await buildStatusTree(store, undefined, FILES);
    // Git packs them all: no loose object is left.
    await gitCli(dir, [
      "-c",
      "user.name=t",
      "-c",
      "user.email=t@example.invalid",
      "commit-tree",
      tree,
      "-m",
      "status",
    ]).then((c) => gitCli(dir ?? "", ["update-ref", "refs/heads/status", c]));
    await gitCli(dir, ["gc", "-q", "--prune=now"]);
    expect(await looseTypes(dir)).toEqual([]);

    const again = await buildStatusTree(await LocalRemote.open(dir), undefined, FILES);
    expect(again).toBe(tree);
    // (Trees go through isomorphic-git, which looks for loose objects only: the three are written again.)
    expect(await looseTypes(dir)).toEqual(["tree", "tree", "tree"]);

    // One changed file: its blob (and the trees above it), no other blob.
    const changed = new Map(FILES).set("status/services/api.yaml", "desired: 2\nrunning: 1\n");
    await buildStatusTree(store, undefined, changed);
    expect((await looseTypes(dir)).filter((t) => t === "blob")).toEqual(["blob"]);
    await gitCli(dir, ["fsck", "--strict", "--no-dangling"]);
  });
});
