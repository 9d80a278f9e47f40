import { createHash } from "node:crypto";
import { copyFile, readFile, readdir } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { PackIndexer } from "../../../src/adapters/git/pack-index.js";
import {
  type PackedObject,
  WorkRepo,
  createBareRepo,
  gitCli,
  removeDir,
  serviceYaml,
  tempDir,
  verifyPack,
} from "../../support/git-fixtures.js";

/** The pack of a repository with many similar files (offset or reference deltas) and the objects git lists in it. */
async function packOf(dir: string, useOffsets: boolean): Promise<{ pack: string; objects: PackedObject[] }> {
  const bare = await createBareRepo(dir, "specs.git");
  const work = await WorkRepo.clone(bare, path.join(dir, "work"));
  const files: Record<string, string> = { "README.md": "# specs\n" };
  for (let i = 0; i < 60; i++)
    files[`services/s${i}.yaml`] = `${serviceYaml(`svc-${i}`, { replicas: i })}# ${"x".repeat(300)}\n`;
  for (let i = 0; i < 30; i++) files[`docs/d${i % 3}/f${i}.txt`] = `notes ${i}\n${"lorem ipsum ".repeat(40)}`;
  await work.commitAndPush(files, "many similar files");
  await gitCli(bare, ["-c", `repack.useDeltaBaseOffset=${useOffsets}`, "repack", "-adf", "--quiet"]);
  const packDir = path.join(bare, "objects", "pack");
  const name = (await readdir(packDir)).find((f) => f.endsWith(".pack")) ?? "";
  const pack = path.join(packDir, name);
  return { pack, objects: await verifyPack(bare, pack) };
}

describe("PackIndexer", () => {
  let dir: string;
  afterEach(async () => removeDir(dir));

  it.each([
    ["offset deltas", true],
    ["reference deltas", false],
  ])(
    "with %s: reads any object before its index is complete (only as git has it), then writes git's own index",
    async (_, useOffsets) => {
      dir = await tempDir("pack-index");
      const { pack, objects } = await packOf(dir, useOffsets);
      expect(objects.filter((o) => o.delta).length).toBeGreaterThan(20);
      const copy = path.join(dir, "copy.pack");
      await copyFile(pack, copy);
      const indexer = new PackIndexer(copy);
      const bytes = (await readFile(copy)).length;
      // As it arrives: a few KiB at a time.
      for (let at = 0; at < bytes; at += 3000) indexer.advance(at, false);
      indexer.advance(bytes, true);

      // Blobs last-first, so that reads jump around the pack; each is what git has under its id.
      const blobs = objects.filter((o) => o.type === "blob").reverse();
      for (const o of [...objects.filter((x) => x.type !== "blob"), ...blobs]) {
        const object = indexer.read(o.oid, o.type);
        expect(object?.type).toBe(o.type);
        // Its bytes are what git stores under that id (the id is their hash, header included).
        const hash = createHash("sha1").update(`${o.type} ${object?.data.length ?? 0}\0`);
        expect(hash.update(object?.data ?? Buffer.alloc(0)).digest("hex")).toBe(o.oid);
      }
      // Not in the pack, or not of that type: nothing (never another object's bytes).
      expect(indexer.read("0".repeat(40), "blob")).toBeUndefined();
      const tree = objects.find((o) => o.type === "tree")?.oid ?? "";
      expect(indexer.read(tree, "blob")).toBeUndefined();

      const idx = path.join(dir, "copy.idx");
      const id = indexer.finish(idx);
      expect(`pack-${id}.pack`).toBe(path.basename(pack));
      expect((await readFile(idx)).equals(await readFile(pack.replace(/\.pack$/, ".idx")))).toBe(true);
    },
  );
});
