// A commit made on a branch by hand, as `git revert` + `git push` would:
// `gitfleet rollback` reads the watched branch's recent history, builds a
// commit on its tip that restores some files to an earlier version, and
// pushes it without force (a branch that moved meanwhile refuses the push).
// Git stays the truth: the operator applies the new commit like any other.

import path from "node:path";
import git, { type TreeEntry } from "isomorphic-git";
import { GitAdapterError, toGitError } from "./errors.js";
import type { GitRemote } from "./remote.js";
import { LocalRemote } from "./remote-local.js";
import { urlRemote } from "./remote-url.js";
import type { RepositoryLocation } from "./commit-source.js";

/** How far back `rollback` looks for the commit to revert. */
export const HISTORY_DEPTH = 200;
const LOCAL_REF = "refs/heads/gitfleet-rollback";

export interface BranchCommit {
  readonly commit: string;
  /** First parent; undefined for a root commit or where the fetched history ends. */
  readonly parent?: string;
  readonly message: string;
  readonly author: string;
  /** ms since epoch. */
  readonly timestamp: number;
}

export class BranchEditor {
  private constructor(
    private readonly remote: GitRemote,
    private readonly ref: string,
    /** The branch's tip as fetched. */
    readonly tip: string,
  ) {}

  static async open(repository: RepositoryLocation, branch: string, cacheDir: string): Promise<BranchEditor> {
    const ref = `refs/heads/${branch}`;
    let remote: GitRemote;
    if (!("url" in repository)) remote = await LocalRemote.open(repository.path);
    // A deeper first fetch than the operator's: the commit to revert and its parent must be there.
    else
      remote = urlRemote(repository, {
        gitdir: path.join(cacheDir, "rollback.git"),
        timeoutMs: 30_000,
        initialDepth: HISTORY_DEPTH,
      });
    try {
      const advertised = (await remote.listRefs(ref)).find((r) => r.ref === ref);
      if (advertised === undefined)
        throw new GitAdapterError("git-ref-not-found", `no branch ${branch} on ${remote.location}`);
      const { commit } = await remote.fetch(ref, advertised.oid, LOCAL_REF);
      return new BranchEditor(remote, ref, commit);
    } catch (err) {
      throw toGitError(err, remote.location, false);
    }
  }

  get location(): string {
    return this.remote.location;
  }

  /** First-parent history from the tip, newest first, as far as it was fetched (at most `max`). */
  async history(max = HISTORY_DEPTH): Promise<BranchCommit[]> {
    const out: BranchCommit[] = [];
    let oid: string | undefined = this.tip;
    while (oid !== undefined && out.length < max) {
      let read;
      try {
        read = await git.readCommit({ ...this.store(), oid });
      } catch {
        break; // the shallow history ends here
      }
      const c = read.commit;
      const parent = c.parent[0];
      out.push({
        commit: oid,
        ...(parent !== undefined && (await this.has(parent)) ? { parent } : {}),
        message: c.message,
        author: `${c.author.name} <${c.author.email}>`,
        timestamp: c.author.timestamp * 1000,
      });
      oid = parent;
    }
    return out;
  }

  /** Every file of a commit: path → blob id. */
  async files(commit: string): Promise<Map<string, string>> {
    const { commit: c } = await git.readCommit({ ...this.store(), oid: commit });
    const out = new Map<string, string>();
    const walk = async (tree: string, prefix: string): Promise<void> => {
      for (const e of (await git.readTree({ ...this.store(), oid: tree })).tree) {
        const p = prefix === "" ? e.path : `${prefix}/${e.path}`;
        if (e.type === "tree") await walk(e.oid, p);
        else if (e.type === "blob" && e.mode !== "120000") out.set(p, e.oid);
      }
    };
    await walk(c.tree, "");
    return out;
  }

  async text(blob: string): Promise<string> {
    const { blob: bytes } = await git.readBlob({ ...this.store(), oid: blob });
    return new TextDecoder("utf-8").decode(bytes);
  }

  /** A commit on the tip with these paths set to these blobs (null: removed). */
  async commit(
    changes: ReadonlyMap<string, string | null>,
    message: string,
    author: { readonly name: string; readonly email: string },
    now: number,
  ): Promise<string> {
    const { commit: tip } = await git.readCommit({ ...this.store(), oid: this.tip });
    const tree = await this.edit(tip.tree, "", changes);
    const who = { ...author, timestamp: Math.floor(now / 1000), timezoneOffset: 0 };
    return git.writeCommit({
      fs: this.remote.fs,
      gitdir: this.remote.gitdir,
      commit: {
        message,
        tree: tree ?? (await this.emptyTree()),
        parent: [this.tip],
        author: who,
        committer: who,
      },
    });
  }

  /** Push `commit` if the branch still points at the tip read (never forced). */
  async push(commit: string): Promise<void> {
    try {
      await this.remote.push(commit, this.ref, this.tip);
    } catch (err) {
      throw toGitError(err, this.remote.location, false);
    }
  }

  private async edit(
    tree: string | undefined,
    prefix: string,
    changes: ReadonlyMap<string, string | null>,
  ): Promise<string | undefined> {
    const base = tree === undefined ? [] : (await git.readTree({ ...this.store(), oid: tree })).tree;
    const entries = new Map<string, TreeEntry>(base.map((e) => [e.path, e]));
    const below = new Map<string, Map<string, string | null>>();
    for (const [p, oid] of changes) {
      if (!p.startsWith(prefix)) continue;
      const rest = p.slice(prefix.length);
      const slash = rest.indexOf("/");
      if (slash < 0) {
        if (oid === null) entries.delete(rest);
        else entries.set(rest, { mode: entries.get(rest)?.mode ?? "100644", path: rest, oid, type: "blob" });
      } else {
        const dir = rest.slice(0, slash);
        if (!below.has(dir)) below.set(dir, new Map());
        below.get(dir)!.set(p, oid);
      }
    }
    for (const [dir, sub] of below) {
      const current = entries.get(dir);
      const oid = await this.edit(
        current?.type === "tree" ? current.oid : undefined,
        `${prefix}${dir}/`,
        sub,
      );
      if (oid === undefined) entries.delete(dir);
      else entries.set(dir, { mode: "040000", path: dir, oid, type: "tree" });
    }
    if (entries.size === 0) return undefined;
    return git.writeTree({ fs: this.remote.fs, gitdir: this.remote.gitdir, tree: [...entries.values()] });
  }

  private emptyTree(): Promise<string> {
    return git.writeTree({ fs: this.remote.fs, gitdir: this.remote.gitdir, tree: [] });
  }

  private async has(oid: string): Promise<boolean> {
    try {
      await git.readCommit({ ...this.store(), oid });
      return true;
    } catch {
      return false;
    }
  }

  private store(): { fs: GitRemote["fs"]; gitdir: string; cache: object } {
    return { fs: this.remote.fs, gitdir: this.remote.gitdir, cache: this.remote.cache };
  }
}
