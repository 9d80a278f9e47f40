// Reads the spec files of a commit (cluster.yaml and services/**) straight
// from the object store, without a working tree. Successive reads diff against
// the previous tree: a subtree whose id did not change is reused without being
// read, and a blob already read is never read again. Reading every object of a
// large tree costs about a millisecond each in isomorphic-git, so this is what
// keeps an incremental sync proportional to what changed.

import git from "isomorphic-git";
import type { Store } from "./objects.js";

const CLUSTER_FILE = "cluster.yaml";
const SERVICES_DIR = "services";
/** Concurrent blob reads: inflation is asynchronous, so a few overlap usefully. */
const READ_CONCURRENCY = 8;

interface TreeNode {
  readonly oid: string;
  /** name → blob id */
  readonly blobs: ReadonlyMap<string, string>;
  readonly trees: ReadonlyMap<string, TreeNode>;
}

export interface SpecTree {
  /** path → content, only cluster.yaml and services/**, sorted by path. */
  readonly files: ReadonlyMap<string, string>;
  /** Identifies the spec content: equal keys mean equal files. */
  readonly key: string;
  readonly stats: { readonly treesRead: number; readonly blobsRead: number };
}

export class SpecTreeReader {
  private services: TreeNode | undefined;
  private contents = new Map<string, string>();

  constructor(private readonly store: Store) {}

  /** The spec files of the tree `rootTree` (a commit's tree id). */
  async read(rootTree: string): Promise<SpecTree> {
    const stats = { treesRead: 1, blobsRead: 0 };
    const root = await this.readTree(rootTree);
    const clusterOid = root.find((e) => e.path === CLUSTER_FILE && isFile(e.mode))?.oid;
    const servicesOid = root.find((e) => e.path === SERVICES_DIR && e.type === "tree")?.oid;
    const services = servicesOid ? await this.node(servicesOid, this.services, stats) : undefined;

    const wanted: [string, string][] = [];
    if (clusterOid) wanted.push([CLUSTER_FILE, clusterOid]);
    if (services) flatten(services, SERVICES_DIR, wanted);
    wanted.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

    const contents = new Map<string, string>();
    const missing = [...new Set(wanted.map(([, oid]) => oid))].filter((oid) => {
      const known = this.contents.get(oid);
      if (known !== undefined) contents.set(oid, known);
      return known === undefined;
    });
    await forEachLimited(missing, READ_CONCURRENCY, async (oid) => {
      contents.set(oid, await this.readBlob(oid));
      stats.blobsRead += 1;
    });

    this.services = services;
    this.contents = contents;
    const files = new Map(wanted.map(([p, oid]) => [p, contents.get(oid) ?? ""] as const));
    return { files, key: `${clusterOid ?? "-"}:${servicesOid ?? "-"}`, stats };
  }

  /** Build the node for tree `oid`, reusing `previous` wherever ids match. */
  private async node(
    oid: string,
    previous: TreeNode | undefined,
    stats: { treesRead: number },
  ): Promise<TreeNode> {
    if (previous?.oid === oid) return previous;
    stats.treesRead += 1;
    const entries = await this.readTree(oid);
    const blobs = new Map<string, string>();
    const trees = new Map<string, TreeNode>();
    for (const e of entries) {
      if (e.type === "blob" && isFile(e.mode)) blobs.set(e.path, e.oid);
      else if (e.type === "tree")
        trees.set(e.path, await this.node(e.oid, previous?.trees.get(e.path), stats));
      // Submodules and symlinks are not spec files.
    }
    return { oid, blobs, trees };
  }

  private async readTree(oid: string): Promise<{ path: string; oid: string; mode: string; type: string }[]> {
    const { tree } = await git.readTree({
      fs: this.store.fs,
      gitdir: this.store.gitdir,
      cache: this.store.cache,
      oid,
    });
    return tree;
  }

  private async readBlob(oid: string): Promise<string> {
    const { blob } = await git.readBlob({
      fs: this.store.fs,
      gitdir: this.store.gitdir,
      cache: this.store.cache,
      oid,
    });
    return new TextDecoder("utf-8").decode(blob);
  }
}

function isFile(mode: string): boolean {
  return mode === "100644" || mode === "100755";
}

function flatten(node: TreeNode, prefix: string, out: [string, string][]): void {
  for (const [name, oid] of node.blobs) out.push([`${prefix}/${name}`, oid]);
  for (const [name, child] of node.trees) flatten(child, `${prefix}/${name}`, out);
}

async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
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
