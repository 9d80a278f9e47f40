// The Git ports: where the desired state comes from (DesiredSource, a poll of
// the watched ref) and where status goes (StatusSink, commits on the status
// branch). adapters/git implements both; unit tests use in-memory fakes.

import type { DesiredState, RepoFiles, SpecError, SpecWarning } from "../model/spec.js";

export interface CommitInfo {
  readonly commit: string;
  readonly author: string;
  readonly message: string;
  /** ms since epoch */
  readonly timestamp: number;
}

export type RejectReason =
  | "invalid"
  | "unsigned"
  | "untrusted-signature"
  | "bad-signature"
  // guarded deletion: it would remove too much of what runs (held by the reconciler, not the source)
  | "mass-removal"
  // the branch moved to a commit that does not descend from the applied one
  | "history-rewound";

export interface RejectedCommit extends CommitInfo {
  readonly reason: RejectReason;
  readonly errors: readonly SpecError[];
}

/** What the Git source knows after a poll. */
export interface SourceSnapshot {
  /** The tip of the watched ref as last seen (valid or not). */
  readonly tip?: CommitInfo;
  /** The newest commit that passed every check: the desired state. */
  readonly desired?: CommitInfo & {
    readonly state: DesiredState;
    readonly files: RepoFiles;
    /** The loader's warnings for this commit (shown in status). */
    readonly warnings?: readonly SpecWarning[];
  };
  /** The tip, when it was rejected; cleared once a good commit follows. */
  readonly rejected?: RejectedCommit;
  /** True when the last move of the ref was not a fast-forward (force-push). */
  readonly rewritten: boolean;
  /** Set while the Git server cannot be reached; the desired state is then this old. */
  readonly outage?: { readonly since: number; readonly error: string; readonly attempts: number };
  /**
   * The desired state was read from the operator's own cache (the last commit it accepted),
   * not from the server: set after a restart while Git is unreachable, until a poll succeeds.
   */
  readonly fromCache?: boolean;
  /**
   * Whether this poll produced a new verdict: a new desired commit or a new rejection.
   * A tip that moved only by commits touching status/ and STATUS.md does not count.
   */
  readonly changed: boolean;
}

export interface DesiredSource {
  /** Cheap when nothing moved: one ref advertisement, no fetch. Never throws for outages. */
  poll(): Promise<SourceSnapshot>;
  /** The last snapshot, without network. */
  current(): SourceSnapshot;
}

export interface StatusWriteResult {
  readonly committed: boolean;
  readonly commit?: string;
  readonly pushed: boolean;
  readonly error?: string;
}

export interface StatusSink {
  /**
   * Make the status files on the status branch equal to `files` (path → content),
   * committing only when something differs. Never force-pushes.
   */
  write(files: ReadonlyMap<string, string>, message: string): Promise<StatusWriteResult>;
  /**
   * The files under status/ on the status branch as last pushed (path → content);
   * undefined when the branch does not exist yet. Throws when it cannot be read.
   */
  readStatus?(): Promise<ReadonlyMap<string, string> | undefined>;
}
