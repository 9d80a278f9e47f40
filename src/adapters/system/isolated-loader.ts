// The spec loader in a worker thread, with a time budget and a memory bound.
// Loading a commit is CPU work on input from whoever can push (a 1 MiB file
// of 80,000 keys takes a second or more): on the main thread it would stall
// host heartbeats long enough to declare healthy hosts down. Here it runs
// beside the event loop; a commit that takes longer than the budget, or
// more memory than the bound, is rejected with a clear error and the worker
// is replaced. One worker, one load at a time (commits are evaluated in turn).

import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { LoadResult, RepoFiles, ServiceSpec, SpecError } from "../../model/spec.js";
import type { LoadOptions } from "../../spec/index.js";
import type { LoadReply, LoadRequest } from "./spec-worker.js";

export interface IsolatedLoaderOptions {
  /** The ceiling and limits every load is judged by (plain data: it is copied to the worker). */
  readonly options?: LoadOptions;
  /** Wall-clock budget of one load (default 20 s). */
  readonly timeoutMs?: number;
  /** Heap of the worker, in MiB (default 512): far above what 32 MiB of YAML needs. */
  readonly maxHeapMb?: number;
}

export const DEFAULT_LOAD_TIMEOUT_MS = 20_000;

const TS_BOOTSTRAP = `
const { workerData } = require("node:worker_threads");
import(workerData.tsx).then((tsx) => { tsx.register(); return import(workerData.entry); });
`;

function tsxApi(): string {
  // tsx's ESM api (its "import" export; require.resolve names the CommonJS twin).
  const cjs = createRequire(import.meta.url).resolve("tsx/esm/api");
  return pathToFileURL(cjs.replace(/\.cjs$/, ".mjs")).href;
}
const DEFAULT_MAX_HEAP_MB = 512;
/** Starting the worker (loading the loader and compiling the schemas); not part of a commit's budget. */
const START_TIMEOUT_MS = 60_000;

export class IsolatedSpecLoader {
  private worker: Promise<Worker> | undefined;
  private nextId = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly options: LoadOptions;
  private readonly timeoutMs: number;
  private readonly maxHeapMb: number;
  /** What the last load parsed and normalised anew (the worker reuses the rest by blob id). */
  lastWork: LoadReply["work"];
  /** The services of the last accepted state the worker sent, by name (it sends unchanged ones by name). */
  private services = new Map<string, ServiceSpec>();

  constructor(options: IsolatedLoaderOptions = {}) {
    this.options = options.options ?? {};
    this.timeoutMs = options.timeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS;
    this.maxHeapMb = options.maxHeapMb ?? DEFAULT_MAX_HEAP_MB;
  }

  /** Never rejects: a timeout, an exhausted heap or a dead worker is a rejected load. */
  load(files: RepoFiles, blobIds?: ReadonlyMap<string, string>): Promise<LoadResult> {
    const next = this.queue.then(() => this.loadNow(files, blobIds));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Start the worker now (it takes about as long as a first fetch), so the first load need not wait for it. */
  warm(): void {
    this.ensureWorker().catch(() => {
      this.worker = undefined; // the first load starts it again and reports why it failed
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    await (await w?.catch(() => undefined))?.terminate();
  }

  private async loadNow(files: RepoFiles, blobIds?: ReadonlyMap<string, string>): Promise<LoadResult> {
    let worker: Worker;
    try {
      worker = await this.ensureWorker();
    } catch (err) {
      this.worker = undefined;
      return failed(
        "loader-error",
        `the spec loader did not start: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    return this.run(worker, files, blobIds);
  }

  /** One load on a started worker; the budget counts from here, not from the worker's start. */
  // eslint-disable-next-line max-lines-per-function -- one load on a worker: the message, the budget timer and every way the worker can end, handled together
  private run(worker: Worker, files: RepoFiles, blobIds?: ReadonlyMap<string, string>): Promise<LoadResult> {
    const id = ++this.nextId;
    return new Promise<LoadResult>((resolve) => {
      const finish = (result: LoadResult, broken: boolean): void => {
        clearTimeout(timer);
        worker.off("message", onMessage);
        worker.off("error", onError);
        worker.off("exit", onExit);
        if (broken) this.discard(worker);
        resolve(result);
      };
      const onMessage = (reply: LoadReply): void => {
        if (reply.id !== id) return;
        this.lastWork = reply.work;
        finish(this.decode(reply), false);
      };
      const onError = (err: Error): void => {
        const oom = (err as { code?: unknown }).code === "ERR_WORKER_OUT_OF_MEMORY";
        finish(
          oom
            ? failed(
                "load-memory",
                `loading the spec files needed more than ${this.maxHeapMb} MiB; the commit is refused`,
              )
            : failed("loader-error", `the spec loader failed: ${err.message}`),
          true,
        );
      };
      const onExit = (): void => finish(failed("loader-error", "the spec loader stopped unexpectedly"), true);
      const timer = setTimeout(
        () =>
          finish(
            failed(
              "load-timeout",
              `loading the spec files took longer than ${this.timeoutMs / 1000} s; the commit is refused (make it smaller or simpler)`,
            ),
            true,
          ),
        this.timeoutMs,
      );
      worker.on("message", onMessage);
      worker.on("error", onError);
      worker.on("exit", onExit);
      worker.postMessage({
        id,
        files,
        options: this.options,
        ...(blobIds ? { blobIds } : {}),
      } satisfies LoadRequest);
    });
  }

  /** The worker, once it has loaded the loader (starting it costs as much as a small commit). */
  private ensureWorker(): Promise<Worker> {
    this.worker ??= new Promise<Worker>((resolve, reject) => {
      const resourceLimits = { maxOldGenerationSizeMb: this.maxHeapMb };
      const typescript = import.meta.url.endsWith(".ts");
      const entry = new URL(`./spec-worker${typescript ? ".ts" : ".js"}`, import.meta.url);
      // From source (tests, `npm run gitfleet`) the worker registers tsx before importing its
      // entry; the build is plain JavaScript.
      const worker = typescript
        ? new Worker(TS_BOOTSTRAP, {
            eval: true,
            workerData: { tsx: tsxApi(), entry: entry.href },
            resourceLimits,
          })
        : new Worker(entry, { resourceLimits });
      worker.unref(); // an idle loader never keeps the process alive
      const timer = setTimeout(() => {
        void worker.terminate();
        reject(new Error(`no answer within ${START_TIMEOUT_MS / 1000} s`));
      }, START_TIMEOUT_MS);
      worker.once("message", () => {
        clearTimeout(timer);
        resolve(worker);
      });
      worker.once("error", (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    return this.worker;
  }

  /** The reply's state with the services it names (unchanged since an earlier reply) filled in. */
  private decode(reply: LoadReply): LoadResult {
    const { result, order } = reply;
    if (!result.ok || order === undefined) return result;
    const fresh = result.state.services;
    const services: ServiceSpec[] = [];
    for (const o of order) {
      const spec = typeof o === "number" ? fresh[o] : this.services.get(o);
      // Only a bug breaks this; the commit is then refused, not applied with a service missing.
      if (spec === undefined) return failed("loader-error", `the spec loader's answer lost service ${o}`);
      services.push(spec);
    }
    this.services = new Map(services.map((s) => [s.name, s]));
    return { ...result, state: { ...result.state, services } };
  }

  private discard(worker: Worker): void {
    this.services = new Map(); // a new worker sends every service anew
    this.worker = undefined;
    void worker.terminate();
  }
}

function failed(code: string, message: string): LoadResult {
  const error: SpecError = { path: "", line: 0, col: 0, code, message };
  return { ok: false, errors: [error] };
}
