// Builds the tree of a status commit: the base commit's tree with `status/`
// and STATUS.md replaced by the given files and everything else kept as is.
// On the orphan status branch the base holds only status files; on the
// watched branch everything the people wrote stays untouched.
// A StatusObjects memo remembers the ids of the blobs and trees the last
// build wrote: an unchanged file or directory reuses its id and nothing is
// hashed, compressed or written for it, so a status commit costs what changed.

import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { deflate } from "node:zlib";
import git, { type TreeEntry } from "isomorphic-git";
import { STATUS_DIR, STATUS_FILE } from "./commits.js";
import { GitAdapterError } from "./errors.js";
import { hasObject, type Store } from "./objects.js";

interface Dir {
  readonly files: Map<string, string>;
  readonly dirs: Map<string, Dir>;
}

/** Paths the sink may write: STATUS.md and anything under status/. */
export function checkStatusPaths(files: ReadonlyMap<string, string>): void {
  for (const p of files.keys()) {
    const parts = p.split("/");
    const ok =
      p === STATUS_FILE ||
      (parts[0] === STATUS_DIR &&
        parts.length > 1 &&
        parts.every((x) => x !== "" && x !== "." && x !== ".."));
    if (!ok)
      throw new GitAdapterError(
        "git-config-invalid",
        `status may only write status/** and STATUS.md, not "${p}"`,
      );
  }
}

/**
 * Ids of the objects a build wrote, by content: the next build reuses them.
 * Only for a store whose objects are never removed under it, except by `keepOnly`.
 */
export class StatusObjects {
  private blobs = new Map<string, string>();
  private trees = new Map<string, string>();
  private usedBlobs = new Map<string, string>();
  private usedTrees = new Map<string, string>();
  /** Objects written by the last build (the rest were reused). */
  written = 0;

  begin(): void {
    this.usedBlobs = new Map();
    this.usedTrees = new Map();
    this.written = 0;
  }

  /** Keep what the last build used: the memo never grows past one status tree. */
  end(): void {
    this.blobs = this.usedBlobs;
    this.trees = this.usedTrees;
  }

  async blob(store: Store, content: string): Promise<string> {
    const oid =
      this.blobs.get(content) ?? this.usedBlobs.get(content) ?? (await this.write(writeBlob(store, content)));
    this.usedBlobs.set(content, oid);
    return oid;
  }

  async tree(store: Store, entries: TreeEntry[]): Promise<string> {
    const key = entries.map((e) => `${e.mode} ${e.oid} ${e.path}`).join("\n");
    const oid =
      this.trees.get(key) ??
      this.usedTrees.get(key) ??
      (await this.write(git.writeTree({ fs: store.fs, gitdir: store.gitdir, tree: entries })));
    this.usedTrees.set(key, oid);
    return oid;
  }

  /** Forget ids not in `kept` (the store was compacted and they are gone). */
  keepOnly(kept: ReadonlySet<string>): void {
    for (const map of [this.blobs, this.trees])
      for (const [key, oid] of map) if (!kept.has(oid)) map.delete(key);
  }

  private async write(written: Promise<string>): Promise<string> {
    this.written += 1;
    return written;
  }
}

/** Writes every object anew (a store others write too: a remembered id might have been pruned). */
class NoMemo extends StatusObjects {
  override async blob(store: Store, content: string): Promise<string> {
    return writeBlob(store, content);
  }
  override async tree(store: Store, entries: TreeEntry[]): Promise<string> {
    return git.writeTree({ fs: store.fs, gitdir: store.gitdir, tree: entries });
  }
}

/** Write the blobs and trees of the new root tree (those `objects` does not already know); returns its id. */
export async function buildStatusTree(
  store: Store,
  baseTree: string | undefined,
  files: ReadonlyMap<string, string>,
  objects: StatusObjects = new NoMemo(),
): Promise<string> {
  objects.begin();
  try {
    return await build(store, baseTree, files, objects);
  } finally {
    objects.end();
  }
}

async function build(
  store: Store,
  baseTree: string | undefined,
  files: ReadonlyMap<string, string>,
  objects: StatusObjects,
): Promise<string> {
  const base = baseTree
    ? (await git.readTree({ fs: store.fs, gitdir: store.gitdir, cache: store.cache, oid: baseTree })).tree
    : [];
  const entries: TreeEntry[] = base.filter((e) => e.path !== STATUS_DIR && e.path !== STATUS_FILE);
  const status: Dir = { files: new Map(), dirs: new Map() };
  for (const [p, content] of files) {
    if (p === STATUS_FILE) {
      entries.push({
        mode: "100644",
        path: STATUS_FILE,
        oid: await objects.blob(store, content),
        type: "blob",
      });
      continue;
    }
    const parts = p.split("/").slice(1);
    let dir = status;
    for (const name of parts.slice(0, -1)) {
      let child = dir.dirs.get(name);
      if (!child) dir.dirs.set(name, (child = { files: new Map(), dirs: new Map() }));
      dir = child;
    }
    dir.files.set(parts[parts.length - 1] ?? "", content);
  }
  if (status.files.size > 0 || status.dirs.size > 0) {
    entries.push({
      mode: "040000",
      path: STATUS_DIR,
      oid: await writeDir(store, status, objects),
      type: "tree",
    });
  }
  return objects.tree(store, entries);
}

async function writeDir(store: Store, dir: Dir, objects: StatusObjects): Promise<string> {
  const entries: TreeEntry[] = [];
  for (const [name, content] of dir.files) {
    entries.push({ mode: "100644", path: name, oid: await objects.blob(store, content), type: "blob" });
  }
  for (const [name, child] of dir.dirs) {
    entries.push({ mode: "040000", path: name, oid: await writeDir(store, child, objects), type: "tree" });
  }
  return objects.tree(store, entries);
}

/**
 * The blob of `content` written as a loose object, unless the store has it; its id (what
 * `git.writeBlob` writes and returns). By hand: isomorphic-git copies a blob six times on its way
 * (encoded, copied, wrapped, into a Blob, the compressed chunks joined, copied again) and deflates it
 * even when the object is there already; at 1,000 hosts a status commit's 6 MB of files held 30-40
 * MiB of array buffers until the next collection (the fleet bench's peak RSS). Here: one buffer
 * (header and content), hashed, deflated only when missing (in libuv's pool, as before: a
 * megabyte's deflate would hold the event loop for tens of milliseconds).
 */
const deflateAsync = promisify(deflate);

async function writeBlob(store: Store, content: string): Promise<string> {
  const length = Buffer.byteLength(content, "utf8");
  const header = `blob ${String(length)}\0`;
  const wrapped = Buffer.allocUnsafe(header.length + length);
  wrapped.write(header, 0, "latin1");
  wrapped.write(content, header.length, "utf8");
  const oid = createHash("sha1").update(wrapped).digest("hex");
  if (await hasObject(store, oid)) return oid;
  await git.writeObject({
    fs: store.fs,
    gitdir: store.gitdir,
    type: "blob",
    object: await deflateAsync(wrapped),
    format: "deflated",
    oid,
  });
  return oid;
}
