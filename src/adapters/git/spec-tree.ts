// Reads the spec files of a commit (cluster.yaml and services/**) straight
// from the object store, without a working tree. Successive reads diff
// against the previous tree: a subtree whose id did not change is skipped
// without being read, only blobs whose id changed are read, and the file map
// is the previous one patched, so an incremental read costs what changed, not
// the size of the repository (reading every object of a large tree costs
// about a millisecond each through isomorphic-git).

import git from "isomorphic-git";
import type { Store } from "./objects.js";
import { PackReader, parseTree } from "./pack-reader.js";

const CLUSTER_FILE = "cluster.yaml";
const SERVICES_DIR = "services";
/** Concurrent blob reads (the isomorphic-git fallback inflates asynchronously). */
const READ_CONCURRENCY = 8;
const UTF8 = new TextDecoder("utf-8", { fatal: true });

type FileContent = string | Uint8Array;

interface TreeNode {
  readonly oid: string;
  /** name → blob id */
  readonly blobs: ReadonlyMap<string, string>;
  readonly trees: ReadonlyMap<string, TreeNode>;
}

interface Changes {
  /** [path, blob id] of files added or modified, in path order. */
  readonly changed: [string, string][];
  readonly removed: string[];
  treesRead: number;
}

export interface SpecTree {
  /** path → content, only cluster.yaml and services/**; bytes when they are not UTF-8 (the loader says so). */
  readonly files: ReadonlyMap<string, FileContent>;
  /** Identifies the spec content: equal keys mean equal files. */
  readonly key: string;
  readonly stats: { readonly treesRead: number; readonly blobsRead: number };
}

export class SpecTreeReader {
  private root: TreeNode | undefined;
  private files = new Map<string, FileContent>();
  private readonly packs: PackReader;

  constructor(private readonly store: Store) {
    this.packs = new PackReader(store.gitdir);
  }

  /** The spec files of the tree `rootTree` (a commit's tree id). */
  async read(rootTree: string): Promise<SpecTree> {
    await this.packs.refresh();
    const changes: Changes = { changed: [], removed: [], treesRead: 0 };
    const root = await this.specRoot(rootTree, changes);
    const key = `${root.blobs.get(CLUSTER_FILE) ?? "-"}:${root.trees.get(SERVICES_DIR)?.oid ?? "-"}`;

    const contents = new Map<string, FileContent>();
    const missing = [...new Set(changes.changed.map(([, oid]) => oid))];
    await forEachLimited(missing, READ_CONCURRENCY, async (oid) =>
      contents.set(oid, await this.readBlob(oid)),
    );

    // Patch the previous map; a new path is rare and rebuilds it so the order stays the path order.
    const added = changes.changed.some(([p]) => !this.files.has(p));
    const files = new Map(added ? [] : this.files);
    for (const p of changes.removed) files.delete(p);
    if (added) {
      const previous = this.files;
      const changedContent = new Map(changes.changed.map(([p, oid]) => [p, contents.get(oid) ?? ""]));
      for (const p of listFiles(root)) files.set(p, changedContent.get(p) ?? previous.get(p) ?? "");
    } else {
      for (const [p, oid] of changes.changed) files.set(p, contents.get(oid) ?? "");
    }
    this.root = root;
    this.files = files;
    return { files, key, stats: { treesRead: changes.treesRead, blobsRead: missing.length } };
  }

  /** The root reduced to what is read: cluster.yaml and the services/ subtree. */
  private async specRoot(oid: string, changes: Changes): Promise<TreeNode> {
    changes.treesRead += 1;
    const entries = await this.readTree(oid);
    const cluster = entries.find((e) => e.path === CLUSTER_FILE && isFile(e.mode));
    const services = entries.find((e) => e.path === SERVICES_DIR && e.type === "tree");
    const blobs = new Map(cluster ? [[CLUSTER_FILE, cluster.oid]] : []);
    const previous = this.root;
    diffBlobs("", blobs, previous?.blobs, changes);
    const trees = new Map<string, TreeNode>();
    const before = previous?.trees.get(SERVICES_DIR);
    if (services) trees.set(SERVICES_DIR, await this.node(services.oid, SERVICES_DIR, before, changes));
    else if (before) removeAll(before, SERVICES_DIR, changes);
    return { oid, blobs, trees };
  }

  /** The node for tree `oid` at `dir`, reusing `previous` wherever ids match, recording changes. */
  private async node(
    oid: string,
    dir: string,
    previous: TreeNode | undefined,
    changes: Changes,
  ): Promise<TreeNode> {
    if (previous?.oid === oid) return previous;
    changes.treesRead += 1;
    const blobs = new Map<string, string>();
    const subtrees: [string, string][] = [];
    for (const e of await this.readTree(oid)) {
      if (e.type === "blob" && isFile(e.mode)) blobs.set(e.path, e.oid);
      else if (e.type === "tree") subtrees.push([e.path, e.oid]);
      // Submodules and symlinks are not spec files.
    }
    diffBlobs(dir, blobs, previous?.blobs, changes);
    const trees = new Map<string, TreeNode>();
    for (const [name, childOid] of subtrees) {
      trees.set(name, await this.node(childOid, `${dir}/${name}`, previous?.trees.get(name), changes));
    }
    for (const [name, gone] of previous?.trees ?? [])
      if (!trees.has(name)) removeAll(gone, `${dir}/${name}`, changes);
    return { oid, blobs, trees };
  }

  // Packed objects come from the native pack reader; anything else (loose objects) from isomorphic-git.
  private async readTree(oid: string): Promise<{ path: string; oid: string; mode: string; type: string }[]> {
    const packed = this.packs.read(oid);
    if (packed?.type === "tree") return parseTree(packed.data);
    const { store } = this;
    return (await git.readTree({ fs: store.fs, gitdir: store.gitdir, cache: store.cache, oid })).tree;
  }

  private async readBlob(oid: string): Promise<FileContent> {
    const packed = this.packs.read(oid);
    const { store } = this;
    const blob =
      packed?.type === "blob"
        ? packed.data
        : (await git.readBlob({ fs: store.fs, gitdir: store.gitdir, cache: store.cache, oid })).blob;
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

function diffBlobs(
  dir: string,
  now: ReadonlyMap<string, string>,
  before: ReadonlyMap<string, string> | undefined,
  changes: Changes,
): void {
  for (const [name, oid] of now) if (before?.get(name) !== oid) changes.changed.push([join(dir, name), oid]);
  for (const name of before?.keys() ?? []) if (!now.has(name)) changes.removed.push(join(dir, name));
}

function removeAll(node: TreeNode, dir: string, changes: Changes): void {
  for (const name of node.blobs.keys()) changes.removed.push(join(dir, name));
  for (const [name, child] of node.trees) removeAll(child, join(dir, name), changes);
}

/** Every file path below `node`, in Git's order (a directory sorts as "name/"), which is path order. */
function listFiles(node: TreeNode, dir = ""): string[] {
  const entries: [string, TreeNode | undefined][] = [
    ...[...node.blobs.keys()].map((name): [string, undefined] => [name, undefined]),
    ...[...node.trees].map(([name, child]): [string, TreeNode] => [`${name}/`, child]),
  ].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return entries.flatMap(([name, child]) =>
    child ? listFiles(child, join(dir, name.slice(0, -1))) : [join(dir, name)],
  );
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
