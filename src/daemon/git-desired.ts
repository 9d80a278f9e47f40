// Wiring of the "load desired" stage on Git: the Git adapter hands over each
// commit's files (GitCommitSource), the spec loader judges them in a worker
// thread (IsolatedSpecLoader), and src/desired keeps the verdicts
// (DesiredLoader). The operator, `plan` and the benches open the repository
// through here.

import { GitCommitSource, type GitSourceOptions } from "../adapters/git/commit-source.js";
import { IsolatedSpecLoader } from "../adapters/system/isolated-loader.js";
import { DesiredLoader } from "../desired/load-desired.js";
import { silentLogger, type Logger, type SourceSnapshot, type SpecLoadFn } from "../ports/index.js";
import type { LoadOptions } from "../spec/index.js";

export interface GitDesiredOptions extends Omit<GitSourceOptions, "limits"> {
  /** The operator's ceiling and the sizes and depths a commit may reach (defaults: baseline, DEFAULT_SPEC_LIMITS). */
  readonly loadOptions?: LoadOptions;
  /** Wall-clock budget of loading one commit's specs (default 20 s). */
  readonly loadTimeoutMs?: number;
  /** Default: the spec loader in a worker thread, within limits and loadTimeoutMs. */
  readonly loadSpec?: SpecLoadFn;
}

/** The desired state of a Git repository, with what its tests and benches look at. */
export class GitDesired extends DesiredLoader {
  constructor(
    private readonly git: GitCommitSource,
    private readonly loader: IsolatedSpecLoader | undefined,
    loadSpec: SpecLoadFn,
    logger: Logger,
  ) {
    super(git, loadSpec, logger);
  }

  /** Trees and blobs read by the last commit read (to show that only changes are read). */
  get lastReadStats(): GitCommitSource["lastReadStats"] {
    return this.git.lastReadStats;
  }

  /** Spec files parsed and services normalised anew by the last load in the worker (the rest were reused). */
  get lastLoadWork(): IsolatedSpecLoader["lastWork"] {
    return this.loader?.lastWork;
  }

  /**
   * A poll, then the Git cache's upkeep (the first fetch's pack index completed, repacking):
   * after the commit is judged, so that it never takes CPU from the spec loader on the way to
   * the desired state; the next poll waits for it.
   */
  override async poll(): Promise<SourceSnapshot> {
    try {
      return await super.poll();
    } finally {
      this.git.upkeep().catch(() => undefined);
    }
  }

  /** How long to wait before the next attempt: 0 when healthy, else backoff with jitter. */
  nextRetryDelayMs(): number {
    return this.git.nextRetryDelayMs();
  }

  /** Resolves once the upkeep after the last poll is done (benches time other work after it). */
  idle(): Promise<void> {
    return this.git.idle();
  }

  /**
   * Stop the loader's worker thread (it never keeps the process alive, but tests end cleanly),
   * once the upkeep after the last poll is done (the cache is then complete on disk).
   */
  async close(): Promise<void> {
    await this.git.idle();
    await this.loader?.close();
  }
}

export async function openGitDesired(options: GitDesiredOptions): Promise<GitDesired> {
  const { loadOptions, loadTimeoutMs, loadSpec, ...git } = options;
  const commits = await GitCommitSource.create({
    ...git,
    holdUpkeep: true,
    ...(loadOptions?.limits !== undefined ? { limits: loadOptions.limits } : {}),
  });
  const loader =
    loadSpec === undefined
      ? new IsolatedSpecLoader({
          ...(loadOptions !== undefined ? { options: loadOptions } : {}),
          ...(loadTimeoutMs !== undefined ? { timeoutMs: loadTimeoutMs } : {}),
        })
      : undefined;
  loader?.warm(); // while the first fetch runs
  const load: SpecLoadFn =
    loadSpec ?? ((files, blobIds) => (loader as IsolatedSpecLoader).load(files, blobIds));
  return new GitDesired(commits, loader, load, options.logger ?? silentLogger);
}
