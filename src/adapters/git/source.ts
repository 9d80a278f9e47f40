// GitSource: the desired state from a Git repository. A poll is one ref
// advertisement; only when the watched ref moved does it fetch (just what is
// new), pick the commit that counts (skipping the operator's own status-only
// commits), verify its signature if configured, read its spec files from the
// object store (reusing unchanged subtrees and blobs) and run the spec loader.
// A commit is applied whole or rejected whole; the last good one stays. A
// poll never throws: failures become `outage` and the last good state stays.

import { rm } from "node:fs/promises";
import path from "node:path";
import { log } from "../system/log.js";
import { DEFAULT_WARN_EVERY_MS, WarnThrottle } from "../../log-throttle.js";
import type { Clock, CommitInfo, DesiredSource, RejectedCommit, SourceSnapshot } from "../../ports/index.js";
import type { DesiredState } from "../../model/spec.js";
import { DEFAULT_SPEC_LIMITS, type LoadOptions } from "../../spec/index.js";
import { IsolatedSpecLoader } from "../system/isolated-loader.js";
import { systemClock } from "../system/clock.js";
import { type BackoffOptions, backoffDelay } from "./backoff.js";
import { CommitEvaluator, type DesiredCommit, type SpecLoadFn } from "./commit-evaluator.js";
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

export type RepositoryLocation = UrlLocation | { readonly path: string };

export interface GitSourceOptions {
  readonly repository: RepositoryLocation;
  /** Branch (default main), tag, or semver range of tags. */
  readonly ref?: RefSelector;
  /** Directory of the operator's Git cache (required for a URL; unused for a local path). */
  readonly cacheDir?: string;
  /** Armored OpenPGP public keys; when given, only commits signed by one of them are applied. */
  readonly trustedKeys?: readonly string[];
  /** Deadline of every HTTP request (default 10 s). */
  readonly timeoutMs?: number;
  /** Backoff after failed polls (default 1 s doubling up to 5 min, with jitter). */
  readonly backoff?: BackoffOptions;
  /** Repack the cache when it holds more packs than this (default 8). */
  readonly maxPacks?: number;
  readonly clock?: Clock;
  /** The operator's ceiling and the sizes and depths a commit may reach (defaults: baseline, DEFAULT_SPEC_LIMITS). */
  readonly loadOptions?: LoadOptions;
  /** Wall-clock budget of loading one commit's specs (default 20 s). */
  readonly loadTimeoutMs?: number;
  /** Default: the spec loader in a worker thread, within limits and loadTimeoutMs. */
  readonly loadSpec?: SpecLoadFn;
  /**
   * Apply a watched branch that moved to a commit which does not descend from
   * the applied one (a force-push). Default false: refused and reported.
   * Never with signature verification: a rewind is then always refused.
   */
  readonly allowForcePush?: boolean;
}

type Outage = NonNullable<SourceSnapshot["outage"]>;

/** The ref in the cache that always holds the last fetched tip (the "have" of the next fetch). */
const TIP_REF = "refs/heads/gitfleet-tip";
/**
 * The ref in the cache that names the last commit accepted as the desired state: after a
 * restart while Git is unreachable, the operator resumes from it (checked again, signature
 * included, so the cache is trusted no more than the server was).
 */
export const DESIRED_REF = "refs/gitfleet/desired";

export class GitSource implements DesiredSource {
  private tipOid: string | undefined;
  private tip: CommitInfo | undefined;
  private evaluated: string | undefined;
  private desired: DesiredCommit | undefined;
  private rejected: RejectedCommit | undefined;
  private rewritten = false;
  private outage: Outage | undefined;
  /** Set while the desired state comes from the cache (resumed after a restart, Git unreachable since). */
  private fromCache = false;
  private resumeTried = false;
  private readonly warnings: WarnThrottle;
  private readonly evaluator: CommitEvaluator;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly clock: Clock;

  private constructor(
    private readonly remote: GitRemote,
    private readonly options: GitSourceOptions,
    verifier: CommitSignatureVerifier | undefined,
  ) {
    this.clock = options.clock ?? systemClock;
    this.warnings = new WarnThrottle(DEFAULT_WARN_EVERY_MS, () => this.clock.now());
    const limits = options.loadOptions?.limits ?? DEFAULT_SPEC_LIMITS;
    this.load = options.loadSpec ?? ((files, blobIds) => this.isolated().load(files, blobIds));
    this.evaluator = new CommitEvaluator(remote, this.load, verifier, limits);
    this.verifying = verifier !== undefined;
  }

  private readonly load: SpecLoadFn;
  private loader: IsolatedSpecLoader | undefined;
  private readonly verifying: boolean;

  private isolated(): IsolatedSpecLoader {
    this.loader ??= new IsolatedSpecLoader({
      ...(this.options.loadOptions !== undefined ? { options: this.options.loadOptions } : {}),
      ...(this.options.loadTimeoutMs !== undefined ? { timeoutMs: this.options.loadTimeoutMs } : {}),
    });
    return this.loader;
  }

  /** Stop the loader's worker thread (it never keeps the process alive, but tests end cleanly). */
  async close(): Promise<void> {
    await this.loader?.close();
  }

  /** Trees and blobs read by the last evaluation (to show that only changes are read). */
  get lastReadStats(): { readonly treesRead: number; readonly blobsRead: number } | undefined {
    return this.evaluator.lastReadStats;
  }

  /** Spec files parsed and services normalised anew by the last load in the worker (the rest were reused). */
  get lastLoadWork(): IsolatedSpecLoader["lastWork"] {
    return this.loader?.lastWork;
  }

  /** Check the configuration (ref, keys, repository) and open the source. No network. */
  static async create(options: GitSourceOptions): Promise<GitSource> {
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
      });
    } else {
      remote = await LocalRemote.open(repo.path);
    }
    return new GitSource(remote, options, verifier);
  }

  poll(): Promise<SourceSnapshot> {
    // One poll at a time: a webhook arriving mid-poll queues one more pass.
    const next = this.queue.then(() => this.pollOnce());
    this.queue = next.catch(() => undefined);
    return next;
  }

  current(): SourceSnapshot {
    return this.snapshot(false);
  }

  /**
   * The desired state of any commit this repository holds (for plan's
   * field-level diffs against what runs); undefined when the commit is not
   * here or does not load. No signature check: this only explains, never applies.
   */
  async stateAt(commit: string): Promise<DesiredState | undefined> {
    try {
      const limits = this.options.loadOptions?.limits;
      const verdict = await new CommitEvaluator(this.remote, this.load, undefined, limits).evaluate(commit);
      return verdict.ok ? verdict.desired.state : undefined;
    } catch {
      return undefined;
    }
  }

  /** How long to wait before the next attempt: 0 when healthy, else backoff with jitter. */
  nextRetryDelayMs(): number {
    return this.outage ? backoffDelay(this.outage.attempts, this.options.backoff) : 0;
  }

  private async pollOnce(): Promise<SourceSnapshot> {
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
      if (selected.commit === this.tipOid) return this.healthy(false);
      const { commit: tip, fetched } = await this.remote.fetch(selected.ref, selected.oid, TIP_REF);
      if (tip === this.tipOid) return this.healthy(false);
      const rewritten = this.tipOid !== undefined && !(await isAncestor(this.remote, this.tipOid, tip));
      const effective = await effectiveCommit(this.remote, tip, this.evaluated);
      const tipInfo = (await readCommitDetails(this.remote, tip)).info;
      const changed = effective !== this.evaluated;
      const rewind = changed ? await this.rewind(effective) : undefined;
      if (rewind) await this.refuse(effective, rewind);
      else if (changed) await this.evaluate(effective);
      this.tipOid = tip;
      this.tip = tipInfo;
      this.rewritten = rewritten;
      if (fetched && this.remote.ownsCache) await this.repack();
      return this.healthy(changed);
    } catch (err) {
      return this.failed(err);
    }
  }

  /** The refusal when `commit` does not descend from the applied commit and that is not allowed. */
  private async rewind(
    commit: string,
  ): Promise<{ readonly rejected: RejectedCommit; readonly applied: string } | undefined> {
    if (!("branch" in (this.options.ref ?? DEFAULT_REF))) return undefined;
    if (this.options.allowForcePush === true && !this.verifying) return undefined;
    // After a restart the cache still names the last accepted commit: a rewind while the
    // operator was down is refused too.
    const applied =
      this.desired?.commit ??
      (this.remote.ownsCache ? await resolveRefOrUndefined(this.remote, DESIRED_REF) : undefined);
    if (applied === undefined) return undefined;
    if (await isAncestor(this.remote, applied, commit)) return undefined;
    const info = (await readCommitDetails(this.remote, commit)).info;
    return { rejected: rewindRejection(info, applied, this.verifying), applied };
  }

  private async refuse(
    commit: string,
    { rejected, applied }: { readonly rejected: RejectedCommit; readonly applied: string },
  ): Promise<void> {
    // Restarted since: the applied commit (from the cache) is the desired state again, checked anew.
    if (this.desired === undefined) {
      const verdict = await this.evaluator.evaluate(applied);
      if (verdict.ok) this.desired = verdict.desired;
    }
    this.evaluated = commit;
    this.rejected = rejected;
    log.warn({ commit, reason: rejected.reason }, "git: commit refused: the branch was rewound");
  }

  private async evaluate(commit: string): Promise<void> {
    const verdict = await this.evaluator.evaluate(commit);
    this.evaluated = commit;
    if (verdict.ok) {
      this.desired = verdict.desired;
      this.fromCache = false;
      this.rejected = undefined;
      log.info({ commit, author: verdict.desired.author }, "git: new desired state");
      await this.remember(commit);
    } else {
      this.rejected = verdict.rejected;
      const { reason, errors } = verdict.rejected;
      log.warn({ commit, reason, errors: errors.length }, "git: commit rejected");
    }
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
      log.warn({ err: String(err) }, "git: the desired commit is not recorded in the cache");
    }
  }

  /**
   * Once, when the first poll of this process fails: the last desired commit of the cache,
   * evaluated again (signature and every rule), so healing and failover go on after a restart
   * during a Git outage. The snapshot says the state is from the cache until Git answers.
   */
  private async resumeFromCache(): Promise<void> {
    if (this.resumeTried || this.desired !== undefined || !this.remote.ownsCache) return;
    this.resumeTried = true;
    try {
      const commit = await resolveRefOrUndefined(this.remote, DESIRED_REF);
      if (commit === undefined) return;
      const verdict = await this.evaluator.evaluate(commit);
      if (!verdict.ok) {
        log.warn(
          { commit, reason: verdict.rejected.reason },
          "git: the cached desired commit no longer passes",
        );
        return;
      }
      this.desired = verdict.desired;
      this.evaluated = commit;
      this.fromCache = true;
      log.warn({ commit }, "git: unreachable at start; resumed the last desired commit from the cache");
    } catch (err) {
      log.warn({ err: String(err) }, "git: the cache holds no readable desired commit");
    }
  }

  private async repack(): Promise<void> {
    try {
      const result = await consolidatePacks(this.remote, this.options.maxPacks);
      if (result.merged > 0) log.debug(result, "git: cache repacked");
    } catch (err) {
      log.warn({ err: String(err) }, "git: repack failed (reads stay correct, only slower)");
    }
  }

  private healthy(changed: boolean): SourceSnapshot {
    if (this.outage) log.info({ attempts: this.outage.attempts }, "git: server reachable again");
    this.outage = undefined;
    this.fromCache = false;
    this.warnings.clear("poll");
    return this.snapshot(changed);
  }

  private async failed(err: unknown): Promise<SourceSnapshot> {
    const error = toGitError(err, this.remote.location, false);
    const now = this.clock.now();
    this.outage = {
      since: this.outage?.since ?? now,
      error: `${error.code}: ${error.message}`,
      attempts: (this.outage?.attempts ?? 0) + 1,
    };
    // Rate-limited: a poll fails on every pass during an outage.
    this.warnings.warn(
      log,
      "poll",
      { code: error.code, attempts: this.outage.attempts, since: this.outage.since },
      `git: poll failed: ${error.message}`,
    );
    await this.resumeFromCache();
    // Twice in a row a failure that is not the network's: the cache may be damaged.
    if (error.code === "git-error" && this.outage.attempts >= 2 && this.remote.ownsCache)
      await this.resetCache();
    return this.snapshot(false);
  }

  /** A failure that is not the network's may be a damaged cache: start it afresh (the next poll re-fetches). */
  private async resetCache(): Promise<void> {
    await rm(this.remote.gitdir, { recursive: true, force: true }).catch(() => undefined);
    if (this.remote instanceof HttpRemote) this.remote.forget();
    this.tipOid = undefined;
  }

  private snapshot(changed: boolean): SourceSnapshot {
    return {
      ...(this.tip ? { tip: this.tip } : {}),
      ...(this.desired ? { desired: this.desired } : {}),
      ...(this.rejected ? { rejected: this.rejected } : {}),
      ...(this.outage ? { outage: this.outage } : {}),
      ...(this.fromCache && this.desired ? { fromCache: true } : {}),
      rewritten: this.rewritten,
      changed,
    };
  }
}
