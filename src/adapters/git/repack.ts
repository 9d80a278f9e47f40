// Keeps the cache's pack count logarithmic. Every isomorphic-git fetch writes
// a new pack and nothing repacks; every object read then searches every pack
// (measured: 157 packs after 150 updates, reads 50-60% slower). When there
// are more than `maxPacks`, the smallest packs are merged so that each kept
// pack holds at least twice the objects of all smaller ones together (a
// geometric progression, as `git repack --geometric=2`): an object is
// rewritten O(log n) times over the cache's life and the big first pack is
// left alone. Unreachable objects are not pruned; they are only the history
// fetched since start, a few objects per commit.

import fs from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import git from "isomorphic-git";
import type { Store } from "./objects.js";

interface PackInfo {
  readonly name: string; // pack-<sha> (no extension)
  readonly count: number;
}

export interface RepackResult {
  readonly merged: number;
  readonly packsAfter: number;
}

export async function consolidatePacks(store: Store, maxPacks = 8): Promise<RepackResult> {
  const dir = path.join(store.gitdir, "objects", "pack");
  const packs = await listPacks(dir);
  if (packs.length <= maxPacks) return { merged: 0, packsAfter: packs.length };
  packs.sort((a, b) => a.count - b.count);
  // Keep the largest packs that dominate everything smaller; merge the rest.
  let cut = packs.length;
  let smaller = packs.reduce((sum, p) => sum + p.count, 0);
  for (let i = packs.length - 1; i > 0; i--) {
    const pack = packs[i] as PackInfo;
    smaller -= pack.count;
    if (pack.count < 2 * smaller) break;
    cut = i;
  }
  const victims = packs.slice(0, Math.max(cut, 2));
  const oids = new Set<string>();
  for (const p of victims) for (const oid of await packOids(path.join(dir, `${p.name}.idx`))) oids.add(oid);
  const filename = await writePack(store, oids);
  const written = filename.replace(/\.pack$/, "");
  for (const p of victims) {
    if (p.name === written) continue;
    // Through the store's file system, so its cached pack list follows.
    await unlink(store, path.join(dir, `${p.name}.idx`));
    await unlink(store, path.join(dir, `${p.name}.pack`));
    forgetPack(store.cache, path.join(dir, `${p.name}.idx`));
  }
  return { merged: victims.length, packsAfter: packs.length - victims.length + 1 };
}

/** Writes one pack (and its index) holding exactly these objects; resolves its file name. */
export async function writePack(store: Store, oids: Iterable<string>): Promise<string> {
  const { filename } = await git.packObjects({
    fs: store.fs,
    gitdir: store.gitdir,
    cache: store.cache,
    oids: [...oids],
    write: true,
  });
  await git.indexPack({
    fs: store.fs,
    dir: store.gitdir,
    gitdir: store.gitdir,
    filepath: `objects/pack/${filename}`,
    cache: store.cache,
  });
  return filename;
}

async function unlink(store: Store, file: string): Promise<void> {
  const client = store.fs as { promises?: { unlink?: (f: string) => Promise<void> } };
  await (client.promises?.unlink ?? fs.promises.unlink)(file).catch(() => undefined);
}

async function listPacks(dir: string): Promise<PackInfo[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const packs: PackInfo[] = [];
  for (const file of names) {
    if (!file.endsWith(".idx") || !names.includes(file.replace(/\.idx$/, ".pack"))) continue;
    packs.push({ name: file.slice(0, -4), count: await packCount(path.join(dir, file)) });
  }
  return packs;
}

/** Object count of a version-2 pack index: the last fanout entry. */
async function packCount(idx: string): Promise<number> {
  const handle = await fs.promises.open(idx, "r");
  try {
    const buf = Buffer.alloc(4);
    await handle.read(buf, 0, 4, 8 + 255 * 4);
    return buf.readUInt32BE(0);
  } finally {
    await handle.close();
  }
}

/** Object ids listed in a version-2 pack index (header, fanout, then sorted ids). */
async function packOids(idx: string): Promise<string[]> {
  const buf = await readFile(idx);
  const count = buf.readUInt32BE(8 + 255 * 4);
  const start = 8 + 256 * 4;
  const oids: string[] = [];
  for (let i = 0; i < count; i++)
    oids.push(buf.subarray(start + i * 20, start + (i + 1) * 20).toString("hex"));
  return oids;
}

/** Drop a deleted pack from isomorphic-git's in-memory pack cache (it would otherwise stay loaded). */
export function forgetPack(cache: object, idxPath: string): void {
  for (const key of Object.getOwnPropertySymbols(cache)) {
    const value: unknown = (cache as Record<symbol, unknown>)[key];
    if (value instanceof Map) value.delete(idxPath);
  }
}
