// A repository on the local disk (a work tree's .git or a bare repository):
// read in place, nothing to fetch. Status commits are written into it and the
// branch is moved with git's own lock-file protocol, so a concurrent `git
// commit` or push into the same repository is never overwritten.

import fs from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import git, { type FsClient } from "isomorphic-git";
import { GitAdapterError } from "./errors.js";
import { peelToCommit, resolveRefOrUndefined } from "./objects.js";
import type { AdvertisedRef } from "./ref-selector.js";
import type { GitRemote } from "./remote.js";

export class LocalRemote implements GitRemote {
  readonly cache: object = {};
  readonly ownsCache = false;
  /** Others write this repository too: no caching file system, plain node:fs. */
  readonly fs: FsClient = fs;

  private constructor(
    readonly gitdir: string,
    readonly location: string,
  ) {}

  /** Open the repository at `dir` (work tree with .git, or bare). */
  static async open(dir: string): Promise<LocalRemote> {
    const dotgit = path.join(dir, ".git");
    if (await isDirectory(dotgit)) return new LocalRemote(dotgit, dir);
    if ((await isDirectory(path.join(dir, "objects"))) && (await exists(path.join(dir, "HEAD")))) {
      return new LocalRemote(dir, dir);
    }
    throw new GitAdapterError("git-repo-not-found", `no Git repository at ${dir}`);
  }

  async listRefs(prefix: string): Promise<AdvertisedRef[]> {
    const names = prefix.endsWith("/")
      ? (await git.listRefs({ fs, gitdir: this.gitdir, filepath: prefix.slice(0, -1) })).map(
          (n) => prefix + n,
        )
      : [prefix];
    const refs: AdvertisedRef[] = [];
    for (const ref of names) {
      const oid = await resolveRefOrUndefined(this, ref);
      if (oid === undefined) continue;
      const peeled = await peelToCommit(this, oid);
      refs.push({ ref, oid, ...(peeled !== oid ? { peeled } : {}) });
    }
    return refs;
  }

  async fetch(
    _remoteRef: string,
    want: string,
    _localRef: string,
  ): Promise<{ commit: string; fetched: boolean }> {
    return { commit: await peelToCommit(this, want), fetched: false };
  }

  async push(commit: string, remoteRef: string, expected: string | undefined): Promise<void> {
    const file = path.join(this.gitdir, remoteRef);
    const lock = `${file}.lock`;
    await mkdir(path.dirname(file), { recursive: true });
    let handle;
    try {
      handle = await open(lock, "wx");
    } catch {
      throw new GitAdapterError(
        "git-push-rejected",
        `${remoteRef} in ${this.location} is locked by another writer`,
      );
    }
    try {
      const current = await resolveRefOrUndefined(this, remoteRef);
      if (current !== expected) {
        throw new GitAdapterError(
          "git-push-rejected",
          `${remoteRef} in ${this.location} moved: someone else committed`,
        );
      }
      await handle.writeFile(`${commit}\n`);
      await handle.close();
      handle = undefined;
      await rename(lock, file);
    } finally {
      await handle?.close();
      await rm(lock, { force: true });
    }
  }
}

async function isDirectory(p: string): Promise<boolean> {
  return stat(p).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}
