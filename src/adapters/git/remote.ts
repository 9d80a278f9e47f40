// Where the source reads and the status sink writes: a repository reached over
// smart HTTP (with a local bare cache holding its objects) or a repository on
// the local disk (read and written in place). Both look the same to callers.

import type { Store } from "./objects.js";
import type { AdvertisedRef } from "./ref-selector.js";

/** A remote repository and the local object store (`gitdir`, `cache`, `fs`) that reads go to. */
export interface GitRemote extends Store {
  /** For messages: the URL without credentials, or the path. */
  readonly location: string;
  /** Whether `fetch` writes packs into a cache we own (and may repack). */
  readonly ownsCache: boolean;
  /** Refs whose names start with `prefix` (one request for HTTP, protocol v1 ref advertisement). */
  listRefs(prefix: string): Promise<AdvertisedRef[]>;
  /**
   * Make the object `want` advertised as `remoteRef` readable from `gitdir`,
   * fetching only what is missing, and point `localRef` at it (peeled), so the
   * next fetch tells the server what we already have.
   * Returns the commit fetched (the ref may have moved since it was listed).
   */
  fetch(
    remoteRef: string,
    want: string,
    localRef: string,
  ): Promise<{ readonly commit: string; readonly fetched: boolean }>;
  /**
   * Update `remoteRef` to `commit` if it still points at `expected` (undefined:
   * does not exist). Never forces. Throws GitAdapterError "git-push-rejected"
   * when someone else moved the ref.
   */
  push(commit: string, remoteRef: string, expected: string | undefined): Promise<void>;
  /**
   * Finish what a fetch left for after its answer (the first fetch's pack index); the next
   * fetch must not start before. Throws when the cache is left incomplete.
   */
  settle?(): Promise<void>;
}

export const NO_OBJECT = "0000000000000000000000000000000000000000";
