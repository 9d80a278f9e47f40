// Reads the spec files of a commit (cluster.yaml and services/**/*.y(a)ml)
// straight from the object store, without a working tree. Git content is
// untrusted input: every blob's size is learnt from its header before it is
// read, the per-file and per-commit budgets decide what is read at all,
// symbolic links are reported and never followed, and nothing else in the
// tree is looked at. Successive reads reuse what did not change: a subtree
// whose id is the same is not read again, and only blobs with new ids are
// read (reading every object of a large tree costs about a millisecond each
// through isomorphic-git).

import git from "isomorphic-git";
import type { RepoFile } from "../../model/spec.js";
import { budgetFiles, CLUSTER_FILE, DEFAULT_SPEC_LIMITS, roleOf, type SpecLimits } from "../../spec/index.js";
import { looseObjectSize } from "./loose-size.js";
import type { Store } from "./objects.js";
import { PackReader, parseTree } from "./pack-reader.js";

const SERVICES_DIR = "services";
const STACKS_DIR = "stacks";
/** The top-level folders whose files may be specs or stack data. */
const SPEC_DIRS = [SERVICES_DIR, STACKS_DIR];
const SYMLINK_MODE = "120000";
/** Concurrent blob reads (the isomorphic-git fallback inflates asynchronously). */
const READ_CONCURRENCY = 8;
const UTF8 = new TextDecoder("utf-8", { fatal: true });

type FileContent = string | Uint8Array;

interface TreeNode {
  readonly oid: string;
  /** name → blob id, of spec files only */
  readonly blobs: ReadonlyMap<string, string>;
  /** Names of symbolic links (refused, never followed). */
  readonly links: ReadonlySet<string>;
  readonly trees: ReadonlyMap<string, TreeNode>;
}

export interface SpecTree {
  /** path → content, only cluster.yaml, services/** and stacks/**: text, bytes when not UTF-8, or why it was not read. */
  readonly files: ReadonlyMap<string, RepoFile>;
  /** path → blob id of every file read (the spec loader's cache key). */
  readonly blobIds: ReadonlyMap<string, string>;
  /** Identifies the spec content: equal keys mean equal files. */
  readonly key: string;
  readonly stats: { readonly treesRead: number; readonly blobsRead: number };
}

export class SpecTreeReader {
  private root: TreeNode | undefined;
  /** Contents of the blobs of the last read, by id: what an unchanged file reuses. */
  private contents = new Map<string, FileContent>();
  private sizes = new Map<string, number>();
  private readonly packs: PackReader;

  constructor(
    private readonly store: Store,
    private readonly limits: SpecLimits = DEFAULT_SPEC_LIMITS,
  ) {
    this.packs = new PackReader(store.gitdir);
  }

  /** Forget the cache's packs and what was read from them (the cache was deleted and is fetched afresh). */
  forget(): void {
    this.packs.close();
    this.root = undefined;
    this.contents = new Map();
    this.sizes = new Map();
  }

  /** The spec files of the tree `rootTree` (a commit's tree id). */
  async read(rootTree: string): Promise<SpecTree> {
    await this.packs.refresh();
    const counter = { treesRead: 0 };
    const root = await this.specRoot(rootTree, counter);
    const dirs = SPEC_DIRS.map((d) => root.trees.get(d)?.oid ?? "-").join(":");
    const key = `${root.blobs.get(CLUSTER_FILE) ?? "-"}:${dirs}:${[...root.links].join(",")}`;

    const entries = listEntries(root);
    const blobs = entries.filter((e): e is BlobEntry => e.oid !== undefined);
    const sizes = new Map<string, number>();
    for (const { oid } of blobs) sizes.set(oid, this.sizes.get(oid) ?? (await this.blobSize(oid)));
    const verdicts = budgetFiles(
      blobs.map((e) => [e.path, sizes.get(e.oid) ?? 0] as const),
      this.limits,
    );
    const toRead = [
      ...new Set(
        blobs.filter((e) => verdicts.get(e.path) === "read" && !this.contents.has(e.oid)).map((e) => e.oid),
      ),
    ];
    const fresh = new Map<string, FileContent>();
    await forEachLimited(toRead, READ_CONCURRENCY, async (oid) => fresh.set(oid, await this.readBlob(oid)));

    const files = new Map<string, RepoFile>();
    const blobIds = new Map<string, string>();
    const contents = new Map<string, FileContent>();
    for (const e of entries) {
      if (e.oid === undefined) {
        files.set(e.path, { unread: "symlink", size: 0 });
        continue;
      }
      const verdict = verdicts.get(e.path) ?? "read";
      const size = sizes.get(e.oid) ?? 0;
      const content = verdict === "read" ? (fresh.get(e.oid) ?? this.contents.get(e.oid)) : undefined;
      if (content === undefined) {
        files.set(e.path, { unread: verdict === "read" ? "over-budget" : verdict, size });
        continue;
      }
      files.set(e.path, content);
      blobIds.set(e.path, e.oid);
      contents.set(e.oid, content);
    }
    this.root = root;
    this.contents = contents;
    this.sizes = sizes;
    return { files, blobIds, key, stats: { treesRead: counter.treesRead, blobsRead: toRead.length } };
  }

  /** The root reduced to what is read: cluster.yaml and the services/ and stacks/ subtrees. */
  private async specRoot(oid: string, counter: { treesRead: number }): Promise<TreeNode> {
    counter.treesRead += 1;
    const entries = await this.readTree(oid);
    const blobs = new Map<string, string>();
    const links = new Set<string>();
    const trees = new Map<string, TreeNode>();
    for (const e of entries) {
      if (e.path !== CLUSTER_FILE && !SPEC_DIRS.includes(e.path)) continue;
      if (e.mode === SYMLINK_MODE) links.add(e.path);
      else if (e.path === CLUSTER_FILE && isFile(e.mode)) blobs.set(e.path, e.oid);
      else if (e.type === "tree") {
        const before = this.root?.trees.get(e.path);
        trees.set(e.path, await this.node(e.oid, e.path, before, counter));
      }
    }
    return { oid, blobs, links, trees };
  }

  /** The node for tree `oid` at `dir`, reusing `previous` wherever ids match. */
  private async node(
    oid: string,
    dir: string,
    previous: TreeNode | undefined,
    counter: { treesRead: number },
  ): Promise<TreeNode> {
    if (previous?.oid === oid) return previous;
    counter.treesRead += 1;
    const blobs = new Map<string, string>();
    const links = new Set<string>();
    const trees = new Map<string, TreeNode>();
    for (const e of await this.readTree(oid)) {
      const path = `${dir}/${e.path}`;
      if (e.mode === SYMLINK_MODE) links.add(e.path);
      else if (e.type === "blob" && isFile(e.mode) && roleOf(path) !== undefined) blobs.set(e.path, e.oid);
      else if (e.type === "tree")
        trees.set(e.path, await this.node(e.oid, path, previous?.trees.get(e.path), counter));
      // Submodules, and files that are not *.yaml / *.yml, are not spec files.
    }
    return { oid, blobs, links, trees };
  }

  // Packed objects come from the native pack reader; anything else (loose objects) from isomorphic-git.
  private async readTree(oid: string): Promise<{ path: string; oid: string; mode: string; type: string }[]> {
    const packed = this.store.readPending?.(oid, "tree") ?? this.packs.read(oid);
    if (packed?.type === "tree") return parseTree(packed.data);
    const { store } = this;
    return (await git.readTree({ fs: store.fs, gitdir: store.gitdir, cache: store.cache, oid })).tree;
  }

  /** From the object's header: never inflates the object itself. */
  private async blobSize(oid: string): Promise<number> {
    const size =
      this.store.readPending?.(oid, "blob")?.data.length ??
      this.packs.size(oid) ??
      (await looseObjectSize(this.store.gitdir, oid));
    if (size !== undefined) return size;
    // Neither in a pack the native reader knows nor loose: only isomorphic-git can tell.
    return (await this.readBytes(oid)).byteLength;
  }

  private async readBytes(oid: string): Promise<Uint8Array> {
    const packed = this.store.readPending?.(oid, "blob") ?? this.packs.read(oid);
    if (packed?.type === "blob") return packed.data;
    const { store } = this;
    return (await git.readBlob({ fs: store.fs, gitdir: store.gitdir, cache: store.cache, oid })).blob;
  }

  private async readBlob(oid: string): Promise<FileContent> {
    const blob = await this.readBytes(oid);
    try {
      return UTF8.decode(blob);
    } catch {
      return blob; // not UTF-8: the loader reports it as a binary file instead of reading replacement characters
    }
  }
}

function isFile(mode: string): boolean {
  return mode === "100644" || mode === "100755";
}

function join(dir: string, name: string): string {
  return dir ? `${dir}/${name}` : name;
}

interface BlobEntry {
  readonly path: string;
  readonly oid: string;
}
/** A spec file (with its blob id) or a symbolic link (no id: never read). */
type Entry = BlobEntry | { readonly path: string; readonly oid?: undefined };

/** Every file and link below `node`, in path order. */
function listEntries(node: TreeNode, dir = ""): Entry[] {
  const out: Entry[] = [];
  for (const [name, oid] of node.blobs) out.push({ path: join(dir, name), oid });
  for (const name of node.links) out.push({ path: join(dir, name) });
  for (const [name, child] of node.trees) out.push(...listEntries(child, join(dir, name)));
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
