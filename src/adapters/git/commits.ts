// What the source needs to know about a commit, and which commit of a branch
// is the desired state: commits that only touch the operator's own status
// files (status/ and STATUS.md, when status is written to the watched branch)
// are skipped, so the operator's own commits never count as a change.

import git from "isomorphic-git";
import type { CommitInfo } from "../../ports/index.js";
import type { Store } from "./objects.js";

export const STATUS_DIR = "status";
export const STATUS_FILE = "STATUS.md";

export interface CommitDetails {
  readonly info: CommitInfo;
  readonly tree: string;
  readonly parents: readonly string[];
  /** The armored signature, when the commit is signed. */
  readonly gpgsig?: string;
  /** The bytes a signature covers (the commit without its gpgsig header). */
  readonly payload: string;
}

export async function readCommitDetails(store: Store, oid: string): Promise<CommitDetails> {
  const { commit, payload } = await git.readCommit({
    fs: store.fs,
    gitdir: store.gitdir,
    cache: store.cache,
    oid,
  });
  return {
    info: {
      commit: oid,
      author: `${commit.author.name} <${commit.author.email}>`,
      message: commit.message.trim(),
      timestamp: commit.author.timestamp * 1000,
    },
    tree: commit.tree,
    parents: commit.parent,
    ...(commit.gpgsig ? { gpgsig: commit.gpgsig } : {}),
    payload,
  };
}

/**
 * Walk first parents from `tip` past commits that change nothing but status
 * files, stopping at `known` (already evaluated) or where history is cut.
 */
export async function effectiveCommit(store: Store, tip: string, known: string | undefined): Promise<string> {
  let current = tip;
  for (let i = 0; i < 1000 && current !== known; i++) {
    const details = await readCommitDetails(store, current);
    const parent = details.parents[0];
    if (parent === undefined || details.parents.length > 1) return current;
    let parentTree: string;
    try {
      parentTree = (await readCommitDetails(store, parent)).tree;
    } catch {
      return current; // shallow boundary: the parent is not here
    }
    if (!(await onlyStatusDiffers(store, details.tree, parentTree))) return current;
    current = parent;
  }
  return current;
}

/** Whether two root trees differ only in status/ and STATUS.md. */
export async function onlyStatusDiffers(store: Store, a: string, b: string): Promise<boolean> {
  if (a === b) return true;
  const strip = async (oid: string): Promise<string> => {
    const { tree } = await git.readTree({ fs: store.fs, gitdir: store.gitdir, cache: store.cache, oid });
    return tree
      .filter((e) => e.path !== STATUS_DIR && e.path !== STATUS_FILE)
      .map((e) => `${e.mode} ${e.oid} ${e.path}`)
      .join("\n");
  };
  return (await strip(a)) === (await strip(b));
}
