// Small readers over a local object store, all sharing isomorphic-git's cache.

import git, { type FsClient } from "isomorphic-git";
import type { ObjectType, RawObject } from "./pack-reader.js";

export interface Store {
  readonly gitdir: string;
  /** isomorphic-git's cache (parsed pack indexes); shared by every read of `gitdir`. */
  readonly cache: object;
  readonly fs: FsClient;
  /**
   * Objects of a pack fetched but not indexed yet (the first fetch's, until its index is
   * complete), their ids verified: read before anything else.
   */
  readPending?(oid: string, type: ObjectType): RawObject | undefined;
}

export async function hasObject(store: Store, oid: string): Promise<boolean> {
  try {
    await git.readObject({ fs: store.fs, gitdir: store.gitdir, cache: store.cache, oid, format: "deflated" });
    return true;
  } catch (err) {
    if ((err as { code?: unknown }).code === "NotFoundError") return false;
    throw err;
  }
}

/** Follow annotated tags down to the commit they name. */
export async function peelToCommit(store: Store, oid: string): Promise<string> {
  let current = oid;
  for (let i = 0; i < 10; i++) {
    const { type } = await git.readObject({
      fs: store.fs,
      gitdir: store.gitdir,
      cache: store.cache,
      oid: current,
      format: "deflated",
    });
    if (type !== "tag") return current;
    const { tag } = await git.readTag({
      fs: store.fs,
      gitdir: store.gitdir,
      cache: store.cache,
      oid: current,
    });
    current = tag.object;
  }
  return current;
}

export async function resolveRefOrUndefined(store: Store, ref: string): Promise<string | undefined> {
  try {
    return await git.resolveRef({ fs: store.fs, gitdir: store.gitdir, ref });
  } catch (err) {
    if ((err as { code?: unknown }).code === "NotFoundError") return undefined;
    throw err;
  }
}

/**
 * Whether `ancestor` is reachable from `commit`. Unknown (history deeper than
 * `maxDepth`) counts as yes: we only claim a rewrite we could prove.
 */
export async function isAncestor(
  store: Store,
  ancestor: string,
  commit: string,
  maxDepth = 20_000,
): Promise<boolean> {
  if (ancestor === commit) return true;
  try {
    return await git.isDescendent({
      fs: store.fs,
      gitdir: store.gitdir,
      cache: store.cache,
      oid: commit,
      ancestor,
      depth: maxDepth,
    });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === "MaxDepthError") return true;
    if (code === "NotFoundError") return false;
    throw err;
  }
}
