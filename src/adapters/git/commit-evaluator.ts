// Decides one commit: its signature when verification is on, then its spec
// files through the spec loader. Whole commits only: the verdict is either the
// complete desired state or a rejection listing every reason.

import type { CommitInfo, RejectedCommit } from "../../ports/index.js";
import type { DesiredState, LoadResult, RepoFiles, SpecError, SpecWarning } from "../../model/spec.js";
import type { SpecLimits } from "../../spec/index.js";
import { readCommitDetails } from "./commits.js";
import type { Store } from "./objects.js";
import type { CommitSignatureVerifier } from "./signature.js";
import { SpecTreeReader } from "./spec-tree.js";

export type DesiredCommit = CommitInfo & {
  readonly state: DesiredState;
  readonly files: RepoFiles;
  readonly warnings: readonly SpecWarning[];
};

/**
 * The spec loader as the evaluator calls it: possibly in another thread, with its own time
 * budget. `blobIds` (path → Git blob id) lets it reuse what it parsed for earlier commits.
 */
export type SpecLoadFn = (
  files: RepoFiles,
  blobIds?: ReadonlyMap<string, string>,
) => LoadResult | Promise<LoadResult>;

export type Verdict =
  | { readonly ok: true; readonly desired: DesiredCommit }
  | { readonly ok: false; readonly rejected: RejectedCommit };

export class CommitEvaluator {
  private readonly reader: SpecTreeReader;
  /** The loader's answer for the last spec content: a commit that changes no spec file reuses it. */
  private lastLoad: { readonly key: string; readonly result: LoadResult } | undefined;
  /** Trees and blobs read by the last evaluation (to show that only changes are read). */
  lastReadStats: { readonly treesRead: number; readonly blobsRead: number } | undefined;

  constructor(
    private readonly store: Store,
    private readonly loadSpec: SpecLoadFn,
    private readonly verifier: CommitSignatureVerifier | undefined,
    limits?: SpecLimits,
  ) {
    this.reader = new SpecTreeReader(store, limits);
  }

  async evaluate(commit: string): Promise<Verdict> {
    const details = await readCommitDetails(this.store, commit);
    if (this.verifier) {
      const verdict = await this.verifier.verify(details);
      if (!verdict.ok) {
        const error: SpecError = {
          path: "",
          line: 0,
          col: 0,
          code: verdict.reason,
          message: verdict.message,
        };
        return { ok: false, rejected: { ...details.info, reason: verdict.reason, errors: [error] } };
      }
    }
    const tree = await this.reader.read(details.tree);
    this.lastReadStats = tree.stats;
    const result =
      this.lastLoad?.key === tree.key ? this.lastLoad.result : await this.load(tree.files, tree.blobIds);
    this.lastLoad = { key: tree.key, result };
    return result.ok
      ? {
          ok: true,
          desired: {
            ...details.info,
            state: result.state,
            files: tree.files,
            warnings: result.warnings ?? [],
          },
        }
      : { ok: false, rejected: { ...details.info, reason: "invalid", errors: result.errors } };
  }

  private async load(files: RepoFiles, blobIds: ReadonlyMap<string, string>): Promise<LoadResult> {
    try {
      return await this.loadSpec(files, blobIds);
    } catch (err) {
      // A loader bug must not take the operator down: the commit is rejected with the reason.
      const message = `the spec loader failed: ${err instanceof Error ? err.message : String(err)}`;
      return { ok: false, errors: [{ path: "", line: 0, col: 0, code: "loader-error", message }] };
    }
  }
}
