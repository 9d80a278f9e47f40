// The "load desired" stage: the commits the Git side hands over are judged
// here, by the spec loader, into the desired state. A commit is applied whole
// or rejected whole; the last good one stays. The Git side only says which
// commit counts and gives its files (with each file's blob id, so the loader
// parses again only what changed); what they mean is decided here.

import type {
  CommitFiles,
  CommitInfo,
  CommitPoll,
  CommitSource,
  DesiredSource,
  Logger,
  RejectedCommit,
  SourceSnapshot,
  SpecLoadFn,
} from "../ports/index.js";
import type { DesiredState, LoadResult } from "../model/spec.js";

type DesiredCommit = NonNullable<SourceSnapshot["desired"]>;

export class DesiredLoader implements DesiredSource {
  private desired: DesiredCommit | undefined;
  private rejected: RejectedCommit | undefined;
  /** Set while the desired state comes from the cache (resumed after a restart, Git unreachable since). */
  private fromCache = false;
  private tip: CommitInfo | undefined;
  private rewritten = false;
  private outage: CommitPoll["outage"];
  /** The loader's answer for the last spec content: a commit that changes no spec file reuses it. */
  private lastLoad: { readonly key: string; readonly result: LoadResult } | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly commits: CommitSource,
    private readonly loadSpec: SpecLoadFn,
    private readonly logger: Logger,
  ) {}

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
   * The desired state of any commit the repository holds (for plan's field-level diffs against
   * what runs); undefined when the commit is not there or does not load. No signature check:
   * this only explains, never applies.
   */
  async stateAt(commit: string): Promise<DesiredState | undefined> {
    try {
      const files = await this.commits.files(commit);
      if (files === undefined) return undefined;
      const result = await this.load(files);
      return result.ok ? result.state : undefined;
    } catch {
      return undefined;
    }
  }

  private async pollOnce(): Promise<SourceSnapshot> {
    const poll = await this.commits.poll();
    for (const j of poll.judge) {
      if (j.kind === "refused") this.rejected = j.rejected;
      else await this.judge(j.commit, j.role);
    }
    this.tip = poll.tip;
    this.rewritten = poll.rewritten;
    this.outage = poll.outage;
    if (poll.outage === undefined) this.fromCache = false;
    return this.snapshot(poll.changed);
  }

  private async judge(commit: CommitFiles, role: "new" | "restore" | "resume"): Promise<void> {
    const result = this.lastLoad?.key === commit.key ? this.lastLoad.result : await this.load(commit);
    this.lastLoad = { key: commit.key, result };
    const { info } = commit;
    if (!result.ok) {
      if (role === "new") {
        this.rejected = { ...info, reason: "invalid", errors: result.errors };
        this.logger.warn(
          { commit: info.commit, reason: "invalid", errors: result.errors.length },
          "git: commit rejected",
        );
      } else if (role === "resume") {
        this.logger.warn(
          { commit: info.commit, reason: "invalid" },
          "git: the cached desired commit no longer passes",
        );
      }
      return;
    }
    this.desired = { ...info, state: result.state, files: commit.files, warnings: result.warnings ?? [] };
    if (role === "new") {
      this.fromCache = false;
      this.rejected = undefined;
      this.logger.info({ commit: info.commit, author: info.author }, "git: new desired state");
    }
    if (role === "resume") {
      this.fromCache = true;
      this.logger.warn(
        { commit: info.commit },
        "git: unreachable at start; resumed the last desired commit from the cache",
      );
    }
    await this.commits.accepted(info.commit, role);
  }

  private async load(commit: CommitFiles): Promise<LoadResult> {
    try {
      return await this.loadSpec(commit.files, commit.blobIds);
    } catch (err) {
      // A loader bug must not take the operator down: the commit is rejected with the reason.
      const message = `the spec loader failed: ${err instanceof Error ? err.message : String(err)}`;
      return { ok: false, errors: [{ path: "", line: 0, col: 0, code: "loader-error", message }] };
    }
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
