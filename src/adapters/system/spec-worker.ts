// Worker thread entry: runs the (pure, synchronous) spec loader on files sent
// by IsolatedSpecLoader and posts the result back. Parsing an untrusted commit
// here keeps the operator's event loop (heartbeats, webhook, Docker events)
// free however long the commit takes, and the thread can be stopped. The
// worker keeps the last commit's parsed documents (by blob id) for the next
// load; a replaced worker starts with none, which only costs time.

import { parentPort } from "node:worker_threads";
import type { LoadResult, RepoFiles } from "../../model/spec.js";
import { loadSpecCached, type LoadOptions, SpecLoadCache } from "../../spec/index.js";

export interface LoadRequest {
  readonly id: number;
  readonly files: RepoFiles;
  readonly options: LoadOptions;
  /** path → Git blob id of each file: what the cache is keyed by (without: the text). */
  readonly blobIds?: ReadonlyMap<string, string>;
}

export interface LoadReply {
  readonly id: number;
  readonly result: LoadResult;
  /** Files parsed and services normalised for this load (the rest came from the cache). */
  readonly work?: { readonly filesParsed: number; readonly servicesNormalised: number };
}

const cache = new SpecLoadCache();

parentPort?.on("message", (request: LoadRequest) => {
  let result: LoadResult;
  try {
    result = loadSpecCached(request.files, request.options, cache, request.blobIds);
  } catch (err) {
    const message = `the spec loader failed: ${err instanceof Error ? err.message : String(err)}`;
    result = { ok: false, errors: [{ path: "", line: 0, col: 0, code: "loader-error", message }] };
  }
  parentPort?.postMessage({ id: request.id, result, work: cache.stats } satisfies LoadReply);
});

// Loaded and ready (the schemas' validation is generated code: nothing to compile): the host starts counting a commit's budget from here.
parentPort?.postMessage("ready");
