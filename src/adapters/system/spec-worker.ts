// Worker thread entry: runs the (pure, synchronous) spec loader on files sent
// by IsolatedSpecLoader and posts the result back. Parsing an untrusted commit
// here keeps the operator's event loop (heartbeats, webhook, Docker events)
// free however long the commit takes, and the thread can be stopped. The
// worker keeps the last commit's parsed documents (by blob id) for the next
// load; a replaced worker starts with none, which only costs time. A service
// whose spec is the very object sent in the last reply (its documents came
// from the cache) is sent as its name alone: the host keeps the last state's
// services, and copying 500 unchanged specs across threads on every one-spec
// change cost more than loading the change.

import { parentPort } from "node:worker_threads";
import type { LoadResult, RepoFiles, ServiceSpec } from "../../model/spec.js";
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
  /**
   * With an accepted state: its services in order, each the index of a spec in
   * `result.state.services` (sent anew) or the name of a service sent in an earlier reply of
   * this worker, unchanged since (the host keeps the last state's services by name).
   */
  readonly order?: readonly (number | string)[];
}

/** The services of the last accepted state this worker sent, by name. */
let sent = new Map<string, ServiceSpec>();

function reply(id: number, result: LoadResult): LoadReply {
  if (!result.ok) return { id, result, work: cache.stats };
  const fresh: ServiceSpec[] = [];
  const order = result.state.services.map((s) => (sent.get(s.name) === s ? s.name : fresh.push(s) - 1));
  sent = new Map(result.state.services.map((s) => [s.name, s]));
  return { id, result: { ...result, state: { ...result.state, services: fresh } }, work: cache.stats, order };
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
  parentPort?.postMessage(reply(request.id, result) satisfies LoadReply);
});

// Loaded and ready (the schemas' validation is generated code: nothing to compile): the host starts counting a commit's budget from here.
parentPort?.postMessage("ready");
