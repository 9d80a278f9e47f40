// Keeps the status sink's cache bounded. Every status write adds a commit, a
// root tree, a status tree and the changed blobs as loose objects; nothing
// else would ever remove them. The sink needs only its tip (to build the next
// commit on and to read status back), so every so often the cache is
// rewritten as one pack holding exactly the tip's objects, marked shallow at
// the tip: loose objects and packs stay bounded whatever the history's length
// (the full history stays on the server).

import path from "node:path";
import git from "isomorphic-git";
import type { Store } from "./objects.js";
import { forgetPack, writePack } from "./repack.js";

export interface CompactResult {
  /** Objects kept: the tip commit and its trees and blobs. */
  readonly kept: ReadonlySet<string>;
  readonly looseRemoved: number;
  readonly packsRemoved: number;
}

interface Fs {
  readdir(p: string): Promise<string[]>;
  unlink(p: string): Promise<void>;
  writeFile(p: string, data: string): Promise<void>;
  rm?(p: string, o: { recursive: boolean; force: boolean }): Promise<void>;
}

/** Rewrite the store as the objects of `tip` alone; `refs` (the sink's own) are pointed at it. */
export async function compactToTip(
  store: Store,
  tip: string,
  refs: readonly string[],
): Promise<CompactResult> {
  const fs = (store.fs as unknown as { promises: Fs }).promises;
  const { commit } = await git.readCommit({
    fs: store.fs,
    gitdir: store.gitdir,
    cache: store.cache,
    oid: tip,
  });
  const kept = new Set<string>([tip]);
  await collectTree(store, commit.tree, kept);
  const filename = await writePack(store, kept);
  // The tip's parent is no longer here: say so, as a shallow clone does.
  await fs.writeFile(path.join(store.gitdir, "shallow"), `${tip}\n`);
  for (const ref of refs)
    await git.writeRef({ fs: store.fs, gitdir: store.gitdir, ref, value: tip, force: true });
  // What fetches recorded under refs/remotes/ names commits that are about to go.
  for (const ref of await git
    .listRefs({ fs: store.fs, gitdir: store.gitdir, filepath: "refs/remotes" })
    .catch(() => []))
    await git
      .deleteRef({ fs: store.fs, gitdir: store.gitdir, ref: `refs/remotes/${ref}` })
      .catch(() => undefined);

  const packDir = path.join(store.gitdir, "objects", "pack");
  const written = filename.replace(/\.pack$/, "");
  let packsRemoved = 0;
  for (const file of await fs.readdir(packDir).catch(() => [] as string[])) {
    if (!file.endsWith(".idx") || file.startsWith(written)) continue;
    const base = path.join(packDir, file.slice(0, -4));
    await fs.unlink(`${base}.idx`).catch(() => undefined);
    await fs.unlink(`${base}.pack`).catch(() => undefined);
    forgetPack(store.cache, `${base}.idx`);
    packsRemoved += 1;
  }
  let looseRemoved = 0;
  const objectsDir = path.join(store.gitdir, "objects");
  for (const dir of await fs.readdir(objectsDir)) {
    if (!/^[0-9a-f]{2}$/.test(dir)) continue;
    for (const file of await fs.readdir(path.join(objectsDir, dir)).catch(() => [] as string[])) {
      await fs.unlink(path.join(objectsDir, dir, file)).catch(() => undefined);
      looseRemoved += 1;
    }
  }
  return { kept, looseRemoved, packsRemoved };
}

async function collectTree(store: Store, oid: string, into: Set<string>): Promise<void> {
  into.add(oid);
  const { tree } = await git.readTree({ fs: store.fs, gitdir: store.gitdir, cache: store.cache, oid });
  for (const e of tree) {
    if (e.type === "tree") await collectTree(store, e.oid, into);
    else if (e.type === "blob") into.add(e.oid);
  }
}
