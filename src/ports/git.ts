// The Git ports: where commits come from (CommitSource: the watched ref, and
// each commit's spec files as Git holds them), what the "load desired" stage
// makes of them (DesiredSource: src/desired judges the files with the spec
// loader), and where status goes (StatusSink, commits on the status branch).
// adapters/git implements CommitSource and StatusSink; unit tests use
// in-memory fakes.

import type { DesiredState, LoadResult, RepoFiles, SpecError, SpecWarning } from "../model/spec.js";
import type { SuspendState } from "../model/suspend.js";

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
  /**
   * A newer good commit that is not applied yet, and why: the operator is suspended, or a deny
   * window is open (src/desired/change-gate.ts). `desired` stays the commit applied before it.
   */
  readonly waiting?: WaitingCommit;
  /** What the suspend switch said at this poll (src/desired/change-gate.ts); absent without a gate. */
  readonly suspension?: SuspendState;
}

export interface WaitingCommit {
  readonly commit: CommitInfo;
  /** One line: "suspended by ops@h1 at ...: incident 42", "deny window "0 22 * * *" open until ...". */
  readonly reason: string;
  /** ms since epoch: when this commit started waiting. */
  readonly since: number;
}

/** One commit's spec files as the Git adapter hands them over. */
export interface CommitFiles {
  readonly info: CommitInfo;
  /** path → content: cluster.yaml, services/** and stacks/** (or why a file was not read). */
  readonly files: RepoFiles;
  /** path → Git blob id of every file read: what the spec loader's parse cache is keyed by. */
  readonly blobIds: ReadonlyMap<string, string>;
  /** Identifies the spec content: equal keys mean equal files. */
  readonly key: string;
}

/**
 * What a poll hands over to be judged, in order:
 * - `files` of a commit to load: `new` (the ref moved to it), `restore` (the applied commit again,
 *   after a restart, before a refusal) or `resume` (the last accepted commit from the cache, after a
 *   restart while Git is unreachable);
 * - `refused`: a commit the Git side already refused (signature, rewound history).
 */
export type CommitToJudge =
  | { readonly kind: "files"; readonly role: "new" | "restore" | "resume"; readonly commit: CommitFiles }
  | { readonly kind: "refused"; readonly rejected: RejectedCommit };

export interface CommitPoll {
  readonly tip?: CommitInfo;
  readonly rewritten: boolean;
  readonly outage?: SourceSnapshot["outage"];
  /** The commit that counts moved (a tip moving only by status commits does not). */
  readonly changed: boolean;
  readonly judge: readonly CommitToJudge[];
}

/** The Git side of the desired state: it only fetches and hands over files, never parses specs. */
export interface CommitSource {
  /** Cheap when nothing moved: one ref advertisement, no fetch. Never throws for outages. */
  poll(): Promise<CommitPoll>;
  /**
   * The commit of a `files` judgement was accepted as the desired state (a `new` one is also
   * remembered, so a restart during an outage resumes from it).
   */
  accepted(commit: string, role: "new" | "restore" | "resume"): Promise<void>;
  /** Any commit's files, without signature check (plan's diffs); undefined when not here. */
  files(commit: string): Promise<CommitFiles | undefined>;
}

/**
 * The spec loader as the "load desired" stage calls it: possibly in another thread, with its own
 * time budget. `blobIds` (path → Git blob id) lets it reuse what it parsed for earlier commits.
 */
export type SpecLoadFn = (
  files: RepoFiles,
  blobIds?: ReadonlyMap<string, string>,
) => LoadResult | Promise<LoadResult>;

/** The "load desired" stage, as the pass calls it: src/desired implements it over a CommitSource. */
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
