// Worker thread entry: runs the (pure, synchronous) spec loader on files sent
// by IsolatedSpecLoader and posts the result back. Parsing an untrusted commit
// here keeps the operator's event loop (heartbeats, webhook, Docker events)
// free however long the commit takes, and the thread can be stopped.

import { parentPort } from "node:worker_threads";
import type { LoadResult, RepoFiles } from "../../model/spec.js";
import { loadSpec, type LoadOptions } from "../../spec/index.js";

export interface LoadRequest {
  readonly id: number;
  readonly files: RepoFiles;
  readonly options: LoadOptions;
}

export interface LoadReply {
  readonly id: number;
  readonly result: LoadResult;
}

parentPort?.on("message", (request: LoadRequest) => {
  let result: LoadResult;
  try {
    result = loadSpec(request.files, request.options);
  } catch (err) {
    const message = `the spec loader failed: ${err instanceof Error ? err.message : String(err)}`;
    result = { ok: false, errors: [{ path: "", line: 0, col: 0, code: "loader-error", message }] };
  }
  parentPort?.postMessage({ id: request.id, result } satisfies LoadReply);
});

// Loaded and ready (schemas compiled): the host starts counting a commit's budget from here.
parentPort?.postMessage("ready");
