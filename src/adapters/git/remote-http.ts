// A repository over smart HTTP(S) (or over SSH, through a transport that
// serves isomorphic-git's HTTP client: ssh-transport.ts), with its objects in
// a local bare cache.
// Polls are one ref advertisement (protocol v1: `fetch` only speaks v1 anyway,
// and a v2 ls-refs would cost a second request). Fetches name exactly one ref
// and tell the server the last fetched commit: isomorphic-git only sends the
// local ref it is given as "have", so that ref is always moved forward, or
// every fetch would download all history since the first one.

import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import git, { type FsClient, type HttpClient } from "isomorphic-git";
import { type GitAuth, authHeaders, resolveCredentials } from "./auth.js";
import { GitAdapterError, redactUrl, toGitError } from "./errors.js";
import { createGitHttpClient } from "./http-client.js";
import { hasObject, peelToCommit, resolveRefOrUndefined } from "./objects.js";
import type { AdvertisedRef } from "./ref-selector.js";
import type { GitRemote } from "./remote.js";
import { type StoreFs, createStoreFs } from "./store-fs.js";

export interface HttpRemoteOptions {
  readonly url: string;
  /** The bare cache repository (created when missing). */
  readonly gitdir: string;
  readonly auth?: GitAuth;
  /** Deadline of every single HTTP request. */
  readonly timeoutMs?: number;
  /** History depth of the first fetch into an empty cache (default 1). */
  readonly initialDepth?: number;
  /**
   * Another transport behind isomorphic-git's HTTP client (Git over SSH):
   * `url` is then only what isomorphic-git is handed, `location` names the
   * repository in messages, and `release` runs after every operation.
   */
  readonly transport?: {
    readonly http: HttpClient;
    readonly location: string;
    release(): void;
  };
}

const PUSH_REF = "refs/gitfleet/push";

export class HttpRemote implements GitRemote {
  readonly cache: object = {};
  readonly gitdir: string;
  readonly location: string;
  readonly ownsCache = true;
  readonly fs: FsClient;
  private readonly storeFs: StoreFs;
  private readonly http: HttpClient;
  private initialised = false;

  constructor(private readonly options: HttpRemoteOptions) {
    this.gitdir = options.gitdir;
    this.location = options.transport?.location ?? redactUrl(options.url);
    this.storeFs = createStoreFs(options.gitdir);
    this.fs = this.storeFs.client;
    this.http = options.transport?.http ?? createGitHttpClient({ timeoutMs: options.timeoutMs ?? 10_000 });
  }

  async listRefs(prefix: string): Promise<AdvertisedRef[]> {
    return this.call(async (headers) => {
      const refs = await git.listServerRefs({
        http: this.http,
        url: this.options.url,
        headers,
        protocolVersion: 1,
        prefix,
        peelTags: true,
      });
      return refs.map((r) => ({ ref: r.ref, oid: r.oid, ...(r.peeled ? { peeled: r.peeled } : {}) }));
    });
  }

  async fetch(
    remoteRef: string,
    want: string,
    localRef: string,
  ): Promise<{ commit: string; fetched: boolean }> {
    await this.init();
    if (await hasObject(this, want)) {
      const commit = await peelToCommit(this, want);
      await git.writeRef({ fs: this.fs, gitdir: this.gitdir, ref: localRef, value: commit, force: true });
      return { commit, fetched: false };
    }
    const known = await resolveRefOrUndefined(this, localRef);
    const depth = known === undefined ? (this.options.initialDepth ?? 1) : undefined;
    const result = await this.call((headers) =>
      git.fetch({
        fs: this.fs,
        http: this.http,
        gitdir: this.gitdir,
        cache: this.cache,
        url: this.options.url,
        ref: localRef,
        remoteRef,
        singleBranch: true,
        tags: false,
        headers,
        ...(depth !== undefined ? { depth } : {}),
      }),
    );
    if (!result.fetchHead) {
      throw new GitAdapterError("git-ref-not-found", `${remoteRef} no longer exists on ${this.location}`);
    }
    const commit = await peelToCommit(this, result.fetchHead);
    await git.writeRef({ fs: this.fs, gitdir: this.gitdir, ref: localRef, value: commit, force: true });
    return { commit, fetched: true };
  }

  async push(commit: string, remoteRef: string, _expected: string | undefined): Promise<void> {
    // The server enforces the compare-and-swap: isomorphic-git refuses a
    // non-fast-forward itself, and receive-pack refuses a stale old value.
    await this.init();
    await git.writeRef({ fs: this.fs, gitdir: this.gitdir, ref: PUSH_REF, value: commit, force: true });
    await this.call(async (headers) => {
      try {
        await git.push({
          fs: this.fs,
          http: this.http,
          gitdir: this.gitdir,
          cache: this.cache,
          url: this.options.url,
          ref: PUSH_REF,
          remoteRef,
          headers,
        });
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (code === "PushRejectedError" || code === "GitPushError") {
          throw new GitAdapterError(
            "git-push-rejected",
            `push to ${remoteRef} on ${this.location} was rejected: someone else pushed`,
            { cause: err },
          );
        }
        throw err;
      }
    });
  }

  /** Forget everything cached in memory about `gitdir` (after it was deleted). */
  forget(): void {
    for (const key of Object.getOwnPropertySymbols(this.cache))
      delete (this.cache as Record<symbol, unknown>)[key];
    this.storeFs.invalidate();
    this.initialised = false;
  }

  private async init(): Promise<void> {
    if (this.initialised) return;
    await mkdir(path.dirname(this.gitdir), { recursive: true });
    if (!existsSync(path.join(this.gitdir, "HEAD"))) {
      await git.init({ fs: this.fs, gitdir: this.gitdir, bare: true, defaultBranch: "main" });
      // fetch records what it fetched under refs/remotes/origin/; any ref (branch or tag) may be fetched.
      await git.setConfig({
        fs: this.fs,
        gitdir: this.gitdir,
        path: "remote.origin.fetch",
        value: "+refs/*:refs/remotes/origin/*",
      });
    }
    this.initialised = true;
  }

  /** Run one network operation with fresh auth headers, translating every failure. */
  private async call<T>(op: (headers: Record<string, string>) => Promise<T>): Promise<T> {
    const creds = await resolveCredentials(this.options.auth);
    try {
      return await op(authHeaders(creds));
    } catch (err) {
      throw toGitError(err, this.options.transport?.location ?? this.options.url, creds !== undefined);
    } finally {
      this.options.transport?.release();
    }
  }
}
