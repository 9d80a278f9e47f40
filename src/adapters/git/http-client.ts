// The HTTP client handed to isomorphic-git: its Node client, plus keep-alive
// connections (a poll then costs no new TCP/TLS handshake) and a deadline on
// every request that covers the whole response body. Without the deadline a
// server that stops answering mid-response would hang a poll forever.
// Kept-alive connections are closed after `idleTimeoutMs` unused (and sooner
// when the server announces a shorter Keep-Alive timeout), before a server
// would close them under a request. A server may still close one just as a
// request goes out on it (its timeout unknown and shorter, a restart): an
// idempotent request (GET, or a fetch's upload-pack POST) that fails that way
// on a reused connection is sent once more, on a new connection, as browsers
// and Node's own documentation do. Pushes are never sent twice.

import http from "node:http";
import https from "node:https";
import type { GitHttpRequest, GitHttpResponse, HttpClient } from "isomorphic-git";
import { request as nodeRequest } from "isomorphic-git/http/node";
import { GitAdapterError, redactUrl } from "./errors.js";

export interface GitHttpClientOptions {
  /** Deadline for one request, response body included. */
  readonly timeoutMs: number;
  /** Close a kept-alive connection unused for this long (default 4 s, under the common 5 s of servers). */
  readonly idleTimeoutMs?: number;
}

export const DEFAULT_IDLE_TIMEOUT_MS = 4_000;

/** How a request on a connection the server had already closed fails. */
const STALE_CONNECTION = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED"]);

export interface GitHttpClient extends HttpClient {
  /** Requests sent again after failing on a reused connection (for tests and metrics). */
  readonly retries: number;
}

export function createGitHttpClient(options: GitHttpClientOptions): GitHttpClient {
  const idle = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: 4, timeout: idle }),
    https: new https.Agent({ keepAlive: true, maxSockets: 4, timeout: idle }),
  };
  const client = {
    retries: 0,
    async request(req: GitHttpRequest): Promise<GitHttpResponse> {
      const agent = req.url.startsWith("https:") ? agents.https : agents.http;
      if (!idempotent(req)) return send(req, agent, options.timeoutMs).response;
      // Replayable: the body of a fetch request is small (wants and haves).
      const body = req.body ? await collect(req.body) : undefined;
      const again = (): GitHttpRequest => ({
        ...req,
        // An array is sent as one buffer with its Content-Length (isomorphic-git's Node client).
        ...(body ? { body: [body] as unknown as AsyncIterableIterator<Uint8Array> } : {}),
      });
      const first = send(again(), agent, options.timeoutMs);
      try {
        return await first.response;
      } catch (err) {
        if (!first.reused() || !STALE_CONNECTION.has(String((err as { code?: unknown }).code))) throw err;
        // The other idle connections are as old: drop them so the retry opens a new one.
        dropIdle(agent);
        client.retries += 1;
        return send(again(), agent, options.timeoutMs).response;
      }
    },
  };
  return client;
}

function idempotent(req: GitHttpRequest): boolean {
  const method = (req.method ?? "GET").toUpperCase();
  return method === "GET" || (method === "POST" && /\/git-upload-pack$/.test(new URL(req.url).pathname));
}

async function collect(body: AsyncIterableIterator<Uint8Array> | Iterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of body) parts.push(part);
  return Buffer.concat(parts);
}

function dropIdle(agent: http.Agent): void {
  for (const sockets of Object.values(agent.freeSockets)) for (const s of sockets ?? []) s.destroy();
}

/** One request; `reused()` tells whether it went out on a kept-alive connection. */
function send(
  req: GitHttpRequest,
  shared: http.Agent,
  timeoutMs: number,
): { readonly response: Promise<GitHttpResponse>; reused(): boolean } {
  let reused = false;
  // The shared agent, seen through one that notes whether it handed this request an idle socket.
  type AddRequest = (request: http.ClientRequest, opts: unknown) => void;
  const addRequest = (shared as unknown as { addRequest: AddRequest }).addRequest.bind(shared);
  const agent = Object.create(shared) as http.Agent & { addRequest: AddRequest };
  agent.addRequest = (request, opts) => {
    // The agent's `timeout` is meant for idle connections, but Node applies it to a socket in
    // use too, and the request then fails ("Request timed out") when the server is silent for
    // that long: a slow server would fail at 4 s, not at the deadline. In use, no idle timer;
    // Node sets it again when the socket goes back to the pool.
    request.once("socket", (socket) => socket.setTimeout(0));
    addRequest(request, opts);
    if (request.reusedSocket) reused = true;
  };
  return { response: deadline(req, agent, timeoutMs), reused: () => reused };
}

/** The request with a deadline that covers the response body too. */
async function deadline(req: GitHttpRequest, agent: http.Agent, timeoutMs: number): Promise<GitHttpResponse> {
  const controller = new AbortController();
  const timeout = new GitAdapterError(
    "git-timeout",
    `no answer from ${redactUrl(req.url)} within ${timeoutMs} ms`,
  );
  const timer = setTimeout(() => controller.abort(timeout), timeoutMs);
  timer.unref();
  let res: GitHttpResponse;
  try {
    res = await nodeRequest({ ...req, agent, signal: controller.signal });
  } catch (err) {
    clearTimeout(timer);
    throw controller.signal.aborted ? timeout : err;
  }
  if (!res.body) {
    clearTimeout(timer);
    return res;
  }
  return { ...res, body: guardBody(res.body, controller.signal, timeout, () => clearTimeout(timer)) };
}

/** Re-yield the body, failing (instead of hanging) when the deadline passes. */
export async function* guardBody(
  body: AsyncIterableIterator<Uint8Array>,
  signal: AbortSignal,
  timeout: Error,
  done: () => void,
): AsyncIterableIterator<Uint8Array> {
  const aborted = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(timeout);
    signal.addEventListener("abort", () => reject(timeout), { once: true });
  });
  aborted.catch(() => undefined);
  try {
    for (;;) {
      const next = await Promise.race([body.next(), aborted]);
      if (next.done) return;
      if (next.value) yield next.value;
    }
  } finally {
    done();
  }
}

export interface StreamingResponse {
  readonly statusCode: number;
  readonly statusMessage: string;
  /** Read with back-pressure: the socket waits while the reader works. */
  readonly body: AsyncIterable<Buffer>;
}

/**
 * One POST whose answer is read as it arrives, with back-pressure, for bodies
 * too large to queue in memory (isomorphic-git's HTTP client queues the whole
 * body when the reader is slower than the network). The deadline is on
 * silence, not on the whole transfer: a large pack may take long to arrive.
 */
export async function streamingPost(
  url: string,
  headers: Record<string, string>,
  body: Buffer,
  idleTimeoutMs: number,
): Promise<StreamingResponse> {
  const target = new URL(url);
  const send = target.protocol === "https:" ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = send(target, {
      method: "POST",
      headers: { ...headers, "content-length": String(body.length) },
      timeout: idleTimeoutMs,
    });
    req.on("timeout", () =>
      req.destroy(
        new GitAdapterError("git-timeout", `no answer from ${redactUrl(url)} within ${idleTimeoutMs} ms`),
      ),
    );
    req.on("error", reject);
    req.on("response", (res) =>
      resolve({ statusCode: res.statusCode ?? 0, statusMessage: res.statusMessage ?? "", body: res }),
    );
    req.end(body);
  });
}
