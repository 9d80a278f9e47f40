// A repository over smart HTTP(S) (or over SSH, through a transport that
// serves isomorphic-git's HTTP client: ssh-transport.ts), with its objects in
// a local bare cache.
// Polls are one ref advertisement (protocol v1: `fetch` only speaks v1 anyway,
// and a v2 ls-refs would cost a second request). Fetches name exactly one ref
// and tell the server the last fetched commit: isomorphic-git only sends the
// local ref it is given as "have", so that ref is always moved forward, or
// every fetch would download all history since the first one.
// A poll is one ref-list request: the advertisement a poll just read is handed
// to the fetch that follows it (isomorphic-git's fetch would ask for it again).
// The first fetch into an empty cache, over HTTP or SSH, is streamed to disk
// and indexed there (pack-fetch.ts), in memory that does not grow with the pack.

import { existsSync } from "node:fs";
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { deflateSync } from "node:zlib";
import path from "node:path";
import git, {
  type FsClient,
  type GitHttpRequest,
  type GitHttpResponse,
  type HttpClient,
} from "isomorphic-git";
import { type GitAuth, authHeaders, resolveCredentials } from "./auth.js";
import { GitAdapterError, redactUrl, toGitError } from "./errors.js";
import { type StreamingResponse, createGitHttpClient, streamingPost } from "./http-client.js";
import { hasObject, peelToCommit, resolveRefOrUndefined } from "./objects.js";
import { type PackFetchResult, fetchPackToDisk, type SyncProgress } from "./pack-fetch.js";
import type { ObjectType, RawObject } from "./pack-reader.js";
import type { AdvertisedRef } from "./ref-selector.js";
import { type GitRemote, NO_OBJECT } from "./remote.js";
import { type StoreFs, createStoreFs } from "./store-fs.js";

export interface HttpRemoteOptions {
  readonly url: string;
  /** The bare cache repository (created when missing). */
  readonly gitdir: string;
  readonly auth?: GitAuth;
  /** Deadline of every single HTTP request. */
  readonly timeoutMs?: number;
  /** Close kept-alive connections unused for this long (default DEFAULT_IDLE_TIMEOUT_MS). */
  readonly idleTimeoutMs?: number;
  /** History depth of the first fetch into an empty cache (default 1). */
  readonly initialDepth?: number;
  /** Progress of a first fetch into an empty cache (objects received / total, then deltas resolved). */
  readonly onProgress?: (p: SyncProgress) => void;
  /**
   * The first fetch answers once the objects it names are read, before its pack index is
   * complete: the caller reads through `readPending` and runs `settle` before anything else
   * (the commit source, whose spec loader parses meanwhile). Default: the fetch completes it.
   */
  readonly deferIndex?: boolean;
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
/** Deltas resolved between two turns of the event loop while the first pack is completed. */
const SETTLE_SLICE = 2048;
/** Temporary pack files of a first fetch (pack-fetch.ts). */
const TMP_PACK = /^tmp-[0-9a-f]{12}\.(pack|idx)$/;

function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A loose object: "<type> <size>\0" and its bytes, deflated, at objects/<2>/<38>. */
async function writeLooseObject(gitdir: string, oid: string, object: RawObject): Promise<void> {
  const dir = path.join(gitdir, "objects", oid.slice(0, 2));
  await mkdir(dir, { recursive: true });
  const body = Buffer.concat([Buffer.from(`${object.type} ${object.data.length}\0`, "latin1"), object.data]);
  const file = path.join(dir, oid.slice(2));
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, deflateSync(body));
  await rename(tmp, file);
}
const ADVERTISEMENT = "/info/refs?service=git-upload-pack";

async function collect(body: AsyncIterableIterator<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of body) parts.push(part);
  return Buffer.concat(parts);
}

async function* once(bytes: Uint8Array): AsyncIterableIterator<Uint8Array> {
  yield bytes;
}

async function* buffers(body: AsyncIterableIterator<Uint8Array> | undefined): AsyncIterable<Buffer> {
  for await (const chunk of body ?? []) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
}

export class HttpRemote implements GitRemote {
  readonly cache: object = {};
  readonly gitdir: string;
  readonly location: string;
  readonly ownsCache = true;
  readonly fs: FsClient;
  private readonly storeFs: StoreFs;
  private readonly http: HttpClient;
  private initialised = false;
  /** The last upload-pack ref advertisement read, and whether the next fetch may use it instead of asking again. */
  private advertisement:
    { readonly url: string; readonly res: GitHttpResponse; readonly body: Buffer } | undefined;
  private primed = false;
  /** The first fetch's pack, until its index is complete (`settle`). */
  private pending: PackFetchResult | undefined;
  /** Requests of this remote; a fetch right after a poll's ref list reuses that list. */
  private readonly client: HttpClient = { request: (req) => this.request(req) };

  constructor(private readonly options: HttpRemoteOptions) {
    this.gitdir = options.gitdir;
    this.location = options.transport?.location ?? redactUrl(options.url);
    this.storeFs = createStoreFs(options.gitdir);
    this.fs = this.storeFs.client;
    this.http =
      options.transport?.http ??
      createGitHttpClient({
        timeoutMs: options.timeoutMs ?? 10_000,
        ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
      });
  }

  async listRefs(prefix: string): Promise<AdvertisedRef[]> {
    this.primed = false;
    return this.call(async (headers) => {
      const refs = await git.listServerRefs({
        http: this.client,
        url: this.options.url,
        headers,
        protocolVersion: 1,
        prefix,
        peelTags: true,
      });
      // Stateless HTTP only: over SSH an advertisement belongs to its channel.
      this.primed = this.options.transport === undefined;
      return refs.map((r) => ({ ref: r.ref, oid: r.oid, ...(r.peeled ? { peeled: r.peeled } : {}) }));
    });
  }

  private async request(req: GitHttpRequest): Promise<GitHttpResponse> {
    const advertising = (req.method ?? "GET") === "GET" && req.url.endsWith(ADVERTISEMENT);
    if (!advertising) return this.http.request(req);
    const kept = this.advertisement;
    if (this.primed && kept?.url === req.url) {
      this.primed = false;
      return { ...kept.res, body: once(kept.body) };
    }
    const res = await this.http.request(req);
    if (res.statusCode !== 200 || !res.body) return res;
    const body = await collect(res.body);
    this.advertisement = { url: req.url, res: { ...res, body: once(Buffer.alloc(0)) }, body };
    return { ...res, body: once(body) };
  }

  async fetch(
    remoteRef: string,
    want: string,
    localRef: string,
  ): Promise<{ commit: string; fetched: boolean }> {
    try {
      return await this.fetchOnce(remoteRef, want, localRef);
    } finally {
      this.primed = false;
    }
  }

  private async fetchOnce(
    remoteRef: string,
    want: string,
    localRef: string,
  ): Promise<{ commit: string; fetched: boolean }> {
    await this.init();
    await this.settle(); // a first fetch's pack, complete before anything reads the cache otherwise
    if (await hasObject(this, want)) {
      const commit = await peelToCommit(this, want);
      await git.writeRef({ fs: this.fs, gitdir: this.gitdir, ref: localRef, value: commit, force: true });
      return { commit, fetched: false };
    }
    const known = await resolveRefOrUndefined(this, localRef);
    const depth = known === undefined ? (this.options.initialDepth ?? 1) : undefined;
    if (depth !== undefined) {
      const commit = await this.initialFetch(want, depth);
      await git.writeRef({ fs: this.fs, gitdir: this.gitdir, ref: localRef, value: commit, force: true });
      return { commit, fetched: true };
    }
    const result = await this.call((headers) =>
      git.fetch({
        fs: this.fs,
        http: this.client,
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
    this.primed = false;
    if (!result.fetchHead) {
      throw new GitAdapterError("git-ref-not-found", `${remoteRef} no longer exists on ${this.location}`);
    }
    const commit = await peelToCommit(this, result.fetchHead);
    await git.writeRef({ fs: this.fs, gitdir: this.gitdir, ref: localRef, value: commit, force: true });
    return { commit, fetched: true };
  }

  async push(commit: string, remoteRef: string, expected: string | undefined): Promise<void> {
    // Compare-and-swap: nothing is sent unless the advertised tip is `expected` (the commit
    // was built on it, so the push is a fast-forward: isomorphic-git need not walk history
    // to check it), and receive-pack refuses the update if the ref moved meanwhile.
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
          force: true,
          onPrePush: ({ remoteRef: advertised }) => advertised.oid === (expected ?? NO_OBJECT),
        });
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (code === "PushRejectedError" || code === "GitPushError" || code === "UserCanceledError") {
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

  /**
   * The first fetch: the pack streamed to disk and indexed there. The commit and its
   * root tree are also written loose, for the reads isomorphic-git does itself
   * (the tip, status-only commits): it would otherwise load the whole pack to read them.
   * The pack's index is completed later (`settle`): until then the objects of the pack are
   * read through `readPending`.
   */
  private async initialFetch(want: string, depth: number): Promise<string> {
    const packDir = path.join(this.gitdir, "objects", "pack");
    await mkdir(packDir, { recursive: true });
    const fetched = await this.call((headers) =>
      fetchPackToDisk({
        post: (request) => this.uploadPack(request, headers),
        want,
        depth,
        packDir,
        ...(this.options.onProgress !== undefined ? { onProgress: this.options.onProgress } : {}),
      }),
    );
    let oid = want;
    try {
      const shallow = [...new Set(fetched.shallows)].sort();
      if (shallow.length > 0) await writeFile(path.join(this.gitdir, "shallow"), `${shallow.join("\n")}\n`);
      for (let i = 0; i < 10; i++) {
        const object = fetched.read(oid);
        if (object === undefined)
          throw new GitAdapterError("git-ref-not-found", `${want} is not in the fetched pack`);
        await writeLooseObject(this.gitdir, oid, object);
        const header = object.data.toString("latin1", 0, Math.min(object.data.length, 64));
        if (object.type === "tag") {
          oid = header.slice(7, 47); // "object <id>"
          continue;
        }
        if (object.type !== "commit") break;
        const treeOid = header.slice(5, 45); // "tree <id>"
        const tree = fetched.read(treeOid, "tree");
        if (tree !== undefined) await writeLooseObject(this.gitdir, treeOid, tree);
        break;
      }
    } catch (err) {
      fetched.discard();
      throw err;
    }
    this.pending = fetched;
    if (this.options.deferIndex !== true) await this.settle();
    this.storeFs.invalidate();
    return oid;
  }

  /** An object of the first fetch's pack while its index is not complete (its id verified). */
  readPending(oid: string, type: ObjectType): RawObject | undefined {
    return this.pending?.read(oid, type);
  }

  /**
   * Complete the first fetch's pack: resolve its remaining deltas (a slice at a time, the event
   * loop served between slices), write its index and move it into place. Throws when the pack
   * cannot be completed; the cache is then incomplete and must be started afresh.
   */
  async settle(): Promise<void> {
    const pending = this.pending;
    if (pending === undefined) return;
    try {
      while (!pending.resolveSome(SETTLE_SLICE)) await yieldToLoop();
      pending.install();
    } finally {
      this.pending = undefined;
      this.storeFs.invalidate();
    }
  }

  /** One upload-pack request, its answer streamed: a POST, or over SSH the transport's channel. */
  private async uploadPack(request: Buffer, headers: Record<string, string>): Promise<StreamingResponse> {
    const url = `${this.options.url.replace(/\/$/, "")}/git-upload-pack`;
    const contentHeaders = {
      ...headers,
      "content-type": "application/x-git-upload-pack-request",
      accept: "application/x-git-upload-pack-result",
    };
    const { transport } = this.options;
    if (transport === undefined)
      return streamingPost(url, contentHeaders, request, this.options.timeoutMs ?? 10_000);
    // Over SSH the request goes to the channel that advertised the refs (or a new one).
    const res = await transport.http.request({
      url,
      method: "POST",
      headers: contentHeaders,
      body: once(request),
    });
    return { statusCode: res.statusCode, statusMessage: res.statusMessage, body: buffers(res.body) };
  }

  /** Forget everything cached in memory about `gitdir` (after it was deleted). */
  forget(): void {
    this.pending?.discard();
    this.pending = undefined;
    for (const key of Object.getOwnPropertySymbols(this.cache))
      delete (this.cache as Record<symbol, unknown>)[key];
    this.storeFs.invalidate();
    this.initialised = false;
  }

  private async init(): Promise<void> {
    if (this.initialised) return;
    await mkdir(path.dirname(this.gitdir), { recursive: true });
    // A first fetch's pack left half done (the process stopped before its index was complete):
    // the cache may name objects it does not hold. It is started afresh.
    const packDir = path.join(this.gitdir, "objects", "pack");
    if ((await readdir(packDir).catch(() => [] as string[])).some((f) => TMP_PACK.test(f))) {
      await rm(this.gitdir, { recursive: true, force: true });
      this.storeFs.invalidate();
    }
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
