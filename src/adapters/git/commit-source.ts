// GitCommitSource: the commits of a Git repository, as the "load desired"
// stage (src/desired) judges them. A poll is one ref advertisement; only when
// the watched ref moved does it fetch (just what is new), pick the commit that
// counts (skipping the operator's own status-only commits), verify its
// signature if configured, and hand over its spec files read from the object
// store (reusing unchanged subtrees and blobs), each with its blob id. It
// never parses a spec. A poll never throws: failures become `outage`.

import { rm } from "node:fs/promises";
import path from "node:path";
import { DEFAULT_WARN_EVERY_MS, WarnThrottle } from "../../log-throttle.js";
import type {
  Clock,
  CommitFiles,
  CommitInfo,
  CommitPoll,
  CommitSource,
  CommitToJudge,
  Logger,
  RejectedCommit,
} from "../../ports/index.js";
import { silentLogger } from "../../ports/logger.js";
import { DEFAULT_SPEC_LIMITS, type SpecLimits } from "../../spec/index.js";
import { systemClock } from "../system/clock.js";
import { type BackoffOptions, backoffDelay } from "./backoff.js";
import { rewindRejection } from "./history.js";
import { effectiveCommit, readCommitDetails } from "./commits.js";
import { GitAdapterError, toGitError } from "./errors.js";
import git from "isomorphic-git";
import { isAncestor, resolveRefOrUndefined } from "./objects.js";
import {
  DEFAULT_REF,
  type RefSelector,
  describeSelector,
  refPrefix,
  selectRef,
  validateSelector,
} from "./ref-selector.js";
import type { GitRemote } from "./remote.js";
import { HttpRemote } from "./remote-http.js";
import { LocalRemote } from "./remote-local.js";
import { type UrlLocation, urlRemote } from "./remote-url.js";
import { consolidatePacks } from "./repack.js";
import { CommitSignatureVerifier } from "./signature.js";
import { SpecTreeReader } from "./spec-tree.js";
import type { SyncProgress } from "./pack-fetch.js";

/** Packs smaller than this are fetched without a word. */
const PROGRESS_FROM_OBJECTS = 1_000;

/** The first sync's progress in the log, as git prints it: objects received / total, deltas resolved. */
function logProgress(logger: Logger): (p: SyncProgress) => void {
  let last = "";
  return (p) => {
    if (p.total < PROGRESS_FROM_OBJECTS) return;
    const tenth = Math.floor((p.loaded * 10) / Math.max(1, p.total));
    const key = `${p.phase}:${tenth}`;
    if (key === last) return;
    last = key;
    const mib = (p.bytes / 1024 / 1024).toFixed(1);
    logger.info(
      { phase: p.phase, loaded: p.loaded, total: p.total, bytes: p.bytes },
      p.phase === "receiving"
        ? `git: initial sync: receiving objects ${p.loaded}/${p.total} (${mib} MiB)`
        : `git: initial sync: resolving deltas ${p.loaded}/${p.total}`,
    );
  };
}

export type RepositoryLocation = UrlLocation | { readonly path: string };

export interface GitSourceOptions {
  readonly repository: RepositoryLocation;
  /** Branch (default main), tag, or semver range of tags. */
  readonly ref?: RefSelector;
  /** Directory of the operator's Git cache (required for a URL; unused for a local path). */
  readonly cacheDir?: string;
  /** Armored OpenPGP public keys; when given, only commits signed by one of them are handed over. */
  readonly trustedKeys?: readonly string[];
  /** Deadline of every HTTP request (default 10 s). */
  readonly timeoutMs?: number;
  /** Backoff after failed polls (default 1 s doubling up to 5 min, with jitter). */
  readonly backoff?: BackoffOptions;
  /** Repack the cache when it holds more packs than this (default 8). */
  readonly maxPacks?: number;
  readonly clock?: Clock;
  /** The sizes a commit's files may reach: what is read at all (default DEFAULT_SPEC_LIMITS). */
  readonly limits?: SpecLimits;
  /**
   * Hand over a watched branch that moved to a commit which does not descend from
   * the applied one (a force-push). Default false: refused and reported.
   * Never with signature verification: a rewind is then always refused.
   */
  readonly allowForcePush?: boolean;
  /** Default: silent (the process passes its own). */
  readonly logger?: Logger;
  /** Progress of the first sync into an empty cache (default: logged at every tenth of a large pack). */
  readonly onProgress?: (p: SyncProgress) => void;
  /**
   * The upkeep after a poll (completing the first fetch's pack index, repacking) waits for
   * `upkeep()` instead of following the poll's answer: the owner calls it once it has judged
   * the commit, so that it does not take CPU from the spec loader. Default false.
   */
  readonly holdUpkeep?: boolean;
}

type Outage = NonNullable<CommitPoll["outage"]>;

/** The ref in the cache that always holds the last fetched tip (the "have" of the next fetch). */
const TIP_REF = "refs/heads/gitfleet-tip";
/**
 * The ref in the cache that names the last commit accepted as the desired state: after a
 * restart while Git is unreachable, the operator resumes from it (checked again, signature
 * included, so the cache is trusted no more than the server was).
 */
export const DESIRED_REF = "refs/gitfleet/desired";

/** A commit read: its files, or why the Git side refuses it (its signature). */
type Read = { readonly files: CommitFiles } | { readonly refused: RejectedCommit };

export class GitCommitSource implements CommitSource {
  private tipOid: string | undefined;
  private tip: CommitInfo | undefined;
  /** The last commit handed over to be judged (the walk past status-only commits stops there). */
  private evaluated: string | undefined;
  /** The commit the judge last accepted as the desired state. */
  private applied: string | undefined;
  private rewritten = false;
  private outage: Outage | undefined;
  private resumeTried = false;
  /** A fetch added a pack: the cache is repacked (when it holds too many) once the poll has answered. */
  private repackDue = false;
  private readonly warnings: WarnThrottle;
  private readonly reader: SpecTreeReader;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly limits: SpecLimits;
  /** Trees and blobs read by the last commit read (to show that only changes are read). */
  lastReadStats: { readonly treesRead: number; readonly blobsRead: number } | undefined;

  private constructor(
    private readonly remote: GitRemote,
    private readonly options: GitSourceOptions,
    private readonly verifier: CommitSignatureVerifier | undefined,
  ) {
    this.clock = options.clock ?? systemClock;
    this.log = options.logger ?? silentLogger;
    this.warnings = new WarnThrottle(DEFAULT_WARN_EVERY_MS, () => this.clock.now());
    this.limits = options.limits ?? DEFAULT_SPEC_LIMITS;
    this.reader = new SpecTreeReader(remote, this.limits);
  }

  /** Check the configuration (ref, keys, repository) and open the source. No network. */
  static async create(options: GitSourceOptions): Promise<GitCommitSource> {
    validateSelector(options.ref ?? DEFAULT_REF);
    const verifier = options.trustedKeys
      ? await CommitSignatureVerifier.fromArmoredKeys(options.trustedKeys)
      : undefined;
    const repo = options.repository;
    let remote: GitRemote;
    if ("url" in repo) {
      if (!options.cacheDir)
        throw new GitAdapterError("git-config-invalid", "a Git URL needs a cache directory");
      remote = urlRemote(repo, {
        gitdir: path.join(options.cacheDir, "source.git"),
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
        onProgress: options.onProgress ?? logProgress(options.logger ?? silentLogger),
        // The first fetch's pack index is completed after the poll answers (settle, below).
        deferIndex: true,
      });
    } else {
      remote = await LocalRemote.open(repo.path);
    }
    return new GitCommitSource(remote, options, verifier);
  }

  poll(): Promise<CommitPoll> {
    const next = this.queue.then(async () => {
      await this.settle(); // upkeep not run yet (held for `upkeep`) is done before anything else
      return this.pollOnce();
    });
    // Completing the first fetch's pack index and repacking the cache are upkeep, not on the way
    // to the desired state: they run after the poll has answered (or, with `holdUpkeep`, when
    // `upkeep` is called: once the owner has judged the commit), and the next poll waits for them.
    this.queue = next
      .then(() => (this.options.holdUpkeep === true ? undefined : this.upkeepNow()))
      .catch(() => undefined);
    return next;
  }

  /** Run the upkeep that followed the last poll (with `holdUpkeep`); the next poll waits for it. */
  upkeep(): Promise<void> {
    const run = this.queue.then(() => this.upkeepNow());
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Resolves once the upkeep after the last poll is done (a cache left complete on disk). */
  async idle(): Promise<void> {
    await this.upkeep();
  }

  private async upkeepNow(): Promise<void> {
    await this.settle();
    await this.repackIfDue();
  }

  private async settle(): Promise<void> {
    if (this.remote.settle === undefined) return;
    try {
      await this.remote.settle();
    } catch (err) {
      // The objects handed over were verified one by one; only the cache is incomplete.
      this.log.warn(
        { err: String(err) },
        "git: the first fetch's pack could not be indexed; the cache starts afresh",
      );
      await this.resetCache();
    }
  }

  async accepted(commit: string, role: "new" | "restore" | "resume"): Promise<void> {
    this.applied = commit;
    // Resumed from the cache: the next poll walks from it, as from any judged commit.
    if (role === "resume") this.evaluated = commit;
    if (role === "new") await this.remember(commit);
  }

  async files(commit: string): Promise<CommitFiles | undefined> {
    try {
      // A reader of its own: explaining an old commit must not disturb what the next poll reuses.
      const read = await this.read(commit, {
        verify: false,
        reader: new SpecTreeReader(this.remote, this.limits),
      });
      return "files" in read ? read.files : undefined;
    } catch {
      return undefined;
    }
  }

  /** How long to wait before the next attempt: 0 when healthy, else backoff with jitter. */
  nextRetryDelayMs(): number {
    return this.outage ? backoffDelay(this.outage.attempts, this.options.backoff) : 0;
  }

  private async pollOnce(): Promise<CommitPoll> {
    const selector = this.options.ref ?? DEFAULT_REF;
    try {
      const refs = await this.remote.listRefs(refPrefix(selector));
      const selected = selectRef(refs, selector);
      if (!selected) {
        throw new GitAdapterError(
          "git-ref-not-found",
          `${describeSelector(selector)} not found in ${this.remote.location}`,
        );
      }
      if (selected.commit === this.tipOid) return this.healthy(false, []);
      const { commit: tip, fetched } = await this.remote.fetch(selected.ref, selected.oid, TIP_REF);
      if (tip === this.tipOid) return this.healthy(false, []);
      const rewritten = this.tipOid !== undefined && !(await isAncestor(this.remote, this.tipOid, tip));
      const effective = await effectiveCommit(this.remote, tip, this.evaluated);
      const tipInfo = (await readCommitDetails(this.remote, tip)).info;
      const changed = effective !== this.evaluated;
      const rewind = changed ? await this.rewind(effective) : undefined;
      const judge = rewind
        ? await this.refuse(effective, rewind)
        : changed
          ? [await this.handOver(effective)]
          : [];
      this.tipOid = tip;
      this.tip = tipInfo;
      this.rewritten = rewritten;
      if (fetched && this.remote.ownsCache) this.repackDue = true;
      return this.healthy(changed, judge);
    } catch (err) {
      return this.failed(err);
    }
  }

  /** A commit's signature (when verifying) and spec files. */
  private async read(
    commit: string,
    how: { readonly verify: boolean; readonly reader?: SpecTreeReader },
  ): Promise<Read> {
    const details = await readCommitDetails(this.remote, commit);
    if (how.verify && this.verifier) {
      const verdict = await this.verifier.verify(details);
      if (!verdict.ok) {
        const error = { path: "", line: 0, col: 0, code: verdict.reason, message: verdict.message };
        return { refused: { ...details.info, reason: verdict.reason, errors: [error] } };
      }
    }
    const tree = await (how.reader ?? this.reader).read(details.tree);
    if (how.reader === undefined) this.lastReadStats = tree.stats;
    return { files: { info: details.info, files: tree.files, blobIds: tree.blobIds, key: tree.key } };
  }

  /** The commit the ref moved to, to be judged (or refused for its signature). */
  private async handOver(commit: string): Promise<CommitToJudge> {
    const read = await this.read(commit, { verify: true });
    this.evaluated = commit;
    if ("files" in read) return { kind: "files", role: "new", commit: read.files };
    this.log.warn({ commit, reason: read.refused.reason, errors: 1 }, "git: commit rejected");
    return { kind: "refused", rejected: read.refused };
  }

  /** The refusal when `commit` does not descend from the applied commit and that is not allowed. */
  private async rewind(
    commit: string,
  ): Promise<{ readonly rejected: RejectedCommit; readonly applied: string } | undefined> {
    if (!("branch" in (this.options.ref ?? DEFAULT_REF))) return undefined;
    if (this.options.allowForcePush === true && this.verifier === undefined) return undefined;
    // After a restart the cache still names the last accepted commit: a rewind while the
    // operator was down is refused too.
    const applied =
      this.applied ??
      (this.remote.ownsCache ? await resolveRefOrUndefined(this.remote, DESIRED_REF) : undefined);
    if (applied === undefined) return undefined;
    if (await isAncestor(this.remote, applied, commit)) return undefined;
    const info = (await readCommitDetails(this.remote, commit)).info;
    return { rejected: rewindRejection(info, applied, this.verifier !== undefined), applied };
  }

  private async refuse(
    commit: string,
    { rejected, applied }: { readonly rejected: RejectedCommit; readonly applied: string },
  ): Promise<CommitToJudge[]> {
    const judge: CommitToJudge[] = [];
    // Restarted since: the applied commit (from the cache) is the desired state again, checked anew.
    if (this.applied === undefined) {
      const read = await this.read(applied, { verify: true });
      if ("files" in read) judge.push({ kind: "files", role: "restore", commit: read.files });
    }
    this.evaluated = commit;
    this.log.warn({ commit, reason: rejected.reason }, "git: commit refused: the branch was rewound");
    judge.push({ kind: "refused", rejected });
    return judge;
  }

  /** Name the accepted commit in the cache, so a restart during an outage can resume from it. */
  private async remember(commit: string): Promise<void> {
    if (!this.remote.ownsCache) return;
    try {
      await git.writeRef({
        fs: this.remote.fs,
        gitdir: this.remote.gitdir,
        ref: DESIRED_REF,
        value: commit,
        force: true,
      });
    } catch (err) {
      this.log.warn({ err: String(err) }, "git: the desired commit is not recorded in the cache");
    }
  }

  /**
   * Once, when the first poll of this process fails: the last desired commit of the cache,
   * handed over again to be judged (signature and every rule), so healing and failover go on
   * after a restart during a Git outage.
   */
  private async resumeFromCache(): Promise<CommitToJudge[]> {
    if (this.resumeTried || this.applied !== undefined || !this.remote.ownsCache) return [];
    this.resumeTried = true;
    try {
      const commit = await resolveRefOrUndefined(this.remote, DESIRED_REF);
      if (commit === undefined) return [];
      const read = await this.read(commit, { verify: true });
      if ("files" in read) return [{ kind: "files", role: "resume", commit: read.files }];
      this.log.warn(
        { commit, reason: read.refused.reason },
        "git: the cached desired commit no longer passes",
      );
    } catch (err) {
      this.log.warn({ err: String(err) }, "git: the cache holds no readable desired commit");
    }
    return [];
  }

  private async repackIfDue(): Promise<void> {
    if (!this.repackDue) return;
    this.repackDue = false;
    try {
      const result = await consolidatePacks(this.remote, this.options.maxPacks);
      if (result.merged > 0) this.log.debug(result, "git: cache repacked");
    } catch (err) {
      this.log.warn({ err: String(err) }, "git: repack failed (reads stay correct, only slower)");
    }
  }

  private healthy(changed: boolean, judge: readonly CommitToJudge[]): CommitPoll {
    if (this.outage) this.log.info({ attempts: this.outage.attempts }, "git: server reachable again");
    this.outage = undefined;
    this.warnings.clear("poll");
    return this.result(changed, judge);
  }

  private async failed(err: unknown): Promise<CommitPoll> {
    const error = toGitError(err, this.remote.location, false);
    const now = this.clock.now();
    this.outage = {
      since: this.outage?.since ?? now,
      error: `${error.code}: ${error.message}`,
      attempts: (this.outage?.attempts ?? 0) + 1,
    };
    // Rate-limited: a poll fails on every pass during an outage.
    this.warnings.warn(
      this.log,
      "poll",
      { code: error.code, attempts: this.outage.attempts, since: this.outage.since },
      `git: poll failed: ${error.message}`,
    );
    const judge = await this.resumeFromCache();
    // Twice in a row a failure that is not the network's: the cache may be damaged.
    if (error.code === "git-error" && this.outage.attempts >= 2 && this.remote.ownsCache)
      await this.resetCache();
    return this.result(false, judge);
  }

  /** A failure that is not the network's may be a damaged cache: start it afresh (the next poll re-fetches). */
  private async resetCache(): Promise<void> {
    await rm(this.remote.gitdir, { recursive: true, force: true }).catch(() => undefined);
    if (this.remote instanceof HttpRemote) this.remote.forget();
    // The packs open in the reader may be the deleted ones, under the names the new fetch gives.
    this.reader.forget();
    this.tipOid = undefined;
  }

  private result(changed: boolean, judge: readonly CommitToJudge[]): CommitPoll {
    return {
      ...(this.tip ? { tip: this.tip } : {}),
      ...(this.outage ? { outage: this.outage } : {}),
      rewritten: this.rewritten,
      changed,
      judge,
    };
  }
}
