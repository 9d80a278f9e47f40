// GitStatusSink: writes the status files to the status branch. A commit is
// made only when the resulting tree differs from the branch's tip, with a
// fixed author and the caller's message. When the push is rejected because
// someone else pushed meanwhile, it fetches their tip, re-applies the files on
// top and retries with backoff: it never force-pushes, so nobody's commit is
// ever lost. A missing branch is created as an orphan holding only status
// files (small trees keep isomorphic-git's push cheap). readStatus reads the
// status/ files back (a restarted operator restores its held rollouts).
// A write costs what changed: unchanged files and directories keep their
// object ids (nothing is written for them), the first attempt builds on the
// tip this sink last pushed without asking for the ref list (the push's
// compare-and-swap catches anyone else's commit, then it fetches and
// rebuilds), the push checks the fast-forward against that known tip instead
// of walking history, and every `compactEvery` pushes the cache is rewritten
// as the tip's objects alone (status-compact.ts).

import path from "node:path";
import git from "isomorphic-git";
import { systemClock } from "../system/clock.js";
import { silentLogger, type Logger } from "../../ports/logger.js";
import { WarnThrottle } from "../../log-throttle.js";
import type { Clock, StatusSink, StatusWriteResult } from "../../ports/index.js";
import { type BackoffOptions, backoffDelay } from "./backoff.js";
import { STATUS_DIR } from "./commits.js";
import { GitAdapterError, toGitError } from "./errors.js";
import type { Store } from "./objects.js";
import type { GitRemote } from "./remote.js";
import { LocalRemote } from "./remote-local.js";
import { urlRemote } from "./remote-url.js";
import type { RepositoryLocation } from "./commit-source.js";
import { compactToTip } from "./status-compact.js";
import { buildStatusTree, checkStatusPaths, StatusObjects } from "./status-tree.js";

/** Status files are text; a blob that is not UTF-8 decodes with replacement characters (the parser skips it). */
const UTF8 = new TextDecoder("utf-8");

export interface GitStatusSinkOptions {
  readonly repository: RepositoryLocation;
  /** Default gitfleet/status. May be the watched branch: then only status/ and STATUS.md are touched. */
  readonly branch?: string;
  /** Directory of the operator's Git cache (required for a URL). */
  readonly cacheDir?: string;
  readonly author?: { readonly name: string; readonly email: string };
  /** Push attempts before giving up on this write (default 5). */
  readonly maxAttempts?: number;
  /** Backoff between attempts after a rejected push (default 200 ms doubling, with jitter). */
  readonly backoff?: BackoffOptions;
  readonly timeoutMs?: number;
  readonly clock?: Clock;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Rewrite the cache as the tip's objects after this many pushes (default 50). */
  readonly compactEvery?: number;
  /** Default: silent (the process passes its own). */
  readonly logger?: Logger;
}

export const DEFAULT_COMPACT_EVERY = 50;

/** The status branch's tip as read back: its commit, committer time (ms since epoch) and status/ files. */
export interface StatusCommit {
  readonly commit: string;
  readonly timestamp: number;
  readonly files: ReadonlyMap<string, string>;
}

export const DEFAULT_STATUS_BRANCH = "gitfleet/status";
export const STATUS_AUTHOR = { name: "gitfleet", email: "gitfleet@localhost" } as const;
/** The sink's local copy of the status branch tip (the "have" of its fetches). */
const LOCAL_REF = "refs/heads/gitfleet-status";

export class GitStatusSink implements StatusSink {
  private queue: Promise<unknown> = Promise.resolve();
  private lastWritten: { readonly files: ReadonlyMap<string, string>; readonly commit: string } | undefined;
  private readonly remoteRef: string;
  /** A push fails on every pass during an outage: warned once a minute. */
  private readonly warnings = new WarnThrottle();
  /** Ids of the objects of the last status tree (only in a cache this process owns). */
  private readonly objects: StatusObjects | undefined;
  private pushes = 0;
  private readonly log: Logger;

  private constructor(
    private readonly remote: GitRemote,
    private readonly options: GitStatusSinkOptions,
  ) {
    this.log = options.logger ?? silentLogger;
    this.remoteRef = `refs/heads/${options.branch ?? DEFAULT_STATUS_BRANCH}`;
    this.objects = remote.ownsCache ? new StatusObjects() : undefined;
  }

  /** Objects written by the last status commit (the rest kept their ids). */
  get lastObjectsWritten(): number | undefined {
    return this.objects?.written;
  }

  static async create(options: GitStatusSinkOptions): Promise<GitStatusSink> {
    const repo = options.repository;
    if (!("url" in repo)) return new GitStatusSink(await LocalRemote.open(repo.path), options);
    if (!options.cacheDir)
      throw new GitAdapterError("git-config-invalid", "a Git URL needs a cache directory");
    const remote = urlRemote(repo, {
      // Apart from the source's cache: the two never race on one object store.
      gitdir: path.join(options.cacheDir, "status.git"),
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    });
    return new GitStatusSink(remote, options);
  }

  write(files: ReadonlyMap<string, string>, message: string): Promise<StatusWriteResult> {
    const next = this.queue.then(() => this.writeOnce(files, message));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** The status/ files on the branch's tip (fetched first, so a fresh cache works); undefined: no branch. */
  readStatus(): Promise<ReadonlyMap<string, string> | undefined> {
    // Queued with the writes: both move the local copy of the branch.
    const next = this.queue.then(() => this.readOnce());
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * The status/ files on the branch's tip with that commit and its committer time, so a reader
   * can say how fresh they are (`gitfleet status`, `wait`, `plan --against status`); undefined: no branch.
   */
  readStatusCommit(): Promise<StatusCommit | undefined> {
    const next = this.queue.then(() => this.readCommitOnce());
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async readOnce(): Promise<ReadonlyMap<string, string> | undefined> {
    return (await this.readCommitOnce())?.files;
  }

  private async readCommitOnce(): Promise<StatusCommit | undefined> {
    try {
      const tip = await this.fetchTip();
      if (tip === undefined) return undefined;
      const store = this.remote;
      const { commit } = await git.readCommit({
        fs: store.fs,
        gitdir: store.gitdir,
        cache: store.cache,
        oid: tip,
      });
      const files = new Map<string, string>();
      await readTreeFiles(store, commit.tree, "", files);
      return { commit: tip, timestamp: commit.committer.timestamp * 1000, files };
    } catch (err) {
      throw toGitError(err, this.remote.location, false);
    }
  }

  /** The branch's tip made readable locally, or undefined when the branch does not exist. */
  private async fetchTip(): Promise<string | undefined> {
    const advertised = (await this.remote.listRefs(this.remoteRef)).find((r) => r.ref === this.remoteRef);
    return advertised
      ? (await this.remote.fetch(this.remoteRef, advertised.oid, LOCAL_REF)).commit
      : undefined;
  }

  private async writeOnce(files: ReadonlyMap<string, string>, message: string): Promise<StatusWriteResult> {
    try {
      checkStatusPaths(files);
    } catch (err) {
      return { committed: false, pushed: false, error: (err as Error).message };
    }
    // Same files as the last write that reached the server: nothing to do, no request.
    if (this.lastWritten && sameFiles(this.lastWritten.files, files)) {
      return { committed: false, pushed: false, commit: this.lastWritten.commit };
    }
    const attempts = this.options.maxAttempts ?? 5;
    // The tip this sink last saw is most likely still the tip: build on it without asking.
    let known = this.lastWritten?.commit;
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await this.attempt(files, message, known);
        const commit = outcome.commit;
        if (commit !== undefined) this.lastWritten = { files: new Map(files), commit };
        if (!outcome.created || commit === undefined) {
          return { committed: false, pushed: false, ...(commit ? { commit } : {}) };
        }
        this.warnings.clear("push");
        this.log.info({ commit, branch: this.remoteRef }, "git: status pushed");
        await this.compactNow(commit);
        return { committed: true, commit, pushed: true };
      } catch (err) {
        const error = toGitError(err, this.remote.location, false);
        if (error.code === "git-push-rejected" && known !== undefined) {
          // Someone else pushed since: learn their tip and build on it (no backoff: nothing raced yet).
          known = undefined;
          attempt -= 1;
          continue;
        }
        if (error.code !== "git-push-rejected" || attempt >= attempts) {
          this.warnings.warn(
            this.log,
            "push",
            { code: error.code, attempt },
            `git: status not pushed: ${error.message}`,
          );
          return { committed: false, pushed: false, error: `${error.code}: ${error.message}` };
        }
        const delay = backoffDelay(attempt, { baseMs: 200, maxMs: 10_000, ...this.options.backoff });
        this.log.info(
          { attempt, delay },
          "git: status push rejected (someone else pushed); rebasing and retrying",
        );
        await (this.options.sleep ?? defaultSleep)(delay);
      }
    }
  }

  /** Every `compactEvery` pushes: the cache reduced to the tip's objects (a failure only costs space). */
  private async compactNow(tip: string): Promise<void> {
    this.pushes += 1;
    if (!this.remote.ownsCache || this.pushes % (this.options.compactEvery ?? DEFAULT_COMPACT_EVERY) !== 0)
      return;
    try {
      const result = await compactToTip(this.remote, tip, [LOCAL_REF]);
      this.objects?.keepOnly(result.kept);
      this.log.debug(
        { kept: result.kept.size, loose: result.looseRemoved, packs: result.packsRemoved },
        "git: status cache compacted",
      );
    } catch (err) {
      this.log.warn({ err: String(err) }, "git: status cache not compacted (it only grows meanwhile)");
    }
  }

  /** One round: learn the tip (unless `known`), build on it, push if different. */
  private async attempt(
    files: ReadonlyMap<string, string>,
    message: string,
    known: string | undefined,
  ): Promise<{ created: true; commit: string } | { created: false; commit: string | undefined }> {
    const tip = known ?? (await this.fetchTip());
    const store = this.remote;
    const baseTree = tip
      ? (await git.readCommit({ fs: store.fs, gitdir: store.gitdir, cache: store.cache, oid: tip })).commit
          .tree
      : undefined;
    const tree = await buildStatusTree(store, baseTree, files, this.objects);
    if (tip !== undefined && store.ownsCache) {
      // The commit is built on `tip`: history walks (merge base, fast-forward) stop there.
      await (
        store.fs as unknown as { promises: { writeFile(p: string, d: string): Promise<void> } }
      ).promises.writeFile(path.join(store.gitdir, "shallow"), `${tip}\n`);
    }
    if (tree === baseTree) return { commit: tip, created: false };
    const seconds = Math.floor((this.options.clock ?? systemClock).now() / 1000);
    const who = { ...(this.options.author ?? STATUS_AUTHOR), timestamp: seconds, timezoneOffset: 0 };
    const commit = await git.writeCommit({
      fs: store.fs,
      gitdir: store.gitdir,
      commit: {
        message: message.endsWith("\n") ? message : `${message}\n`,
        tree,
        parent: tip ? [tip] : [],
        author: who,
        committer: who,
      },
    });
    await this.remote.push(commit, this.remoteRef, tip);
    if (this.remote.ownsCache) {
      await git.writeRef({ fs: store.fs, gitdir: store.gitdir, ref: LOCAL_REF, value: commit, force: true });
    }
    return { commit, created: true };
  }
}

/** The blobs under status/ of a tree, path → UTF-8 text (the sink writes nothing else there). */
async function readTreeFiles(
  store: Store,
  tree: string,
  prefix: string,
  into: Map<string, string>,
): Promise<void> {
  const { tree: entries } = await git.readTree({
    fs: store.fs,
    gitdir: store.gitdir,
    cache: store.cache,
    oid: tree,
  });
  for (const e of entries) {
    const p = prefix === "" ? e.path : `${prefix}/${e.path}`;
    if (prefix === "" && e.path !== STATUS_DIR) continue;
    if (e.type === "tree") await readTreeFiles(store, e.oid, p, into);
    else if (e.type === "blob") {
      const { blob } = await git.readBlob({
        fs: store.fs,
        gitdir: store.gitdir,
        cache: store.cache,
        oid: e.oid,
      });
      into.set(p, UTF8.decode(blob));
    }
  }
}

function sameFiles(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
