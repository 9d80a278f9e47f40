// The HTTP client handed to isomorphic-git: its Node client, plus keep-alive
// connections (a poll then costs no new TCP/TLS handshake) and a deadline on
// every request that covers the whole response body. Without the deadline a
// server that stops answering mid-response would hang a poll forever.

import http from "node:http";
import https from "node:https";
import type { GitHttpRequest, GitHttpResponse, HttpClient } from "isomorphic-git";
import { request as nodeRequest } from "isomorphic-git/http/node";
import { GitAdapterError, redactUrl } from "./errors.js";

export interface GitHttpClientOptions {
  /** Deadline for one request, response body included. */
  readonly timeoutMs: number;
}

export function createGitHttpClient(options: GitHttpClientOptions): HttpClient {
  const agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: 4 }),
    https: new https.Agent({ keepAlive: true, maxSockets: 4 }),
  };
  return {
    async request(req: GitHttpRequest): Promise<GitHttpResponse> {
      const controller = new AbortController();
      const timeout = new GitAdapterError(
        "git-timeout",
        `no answer from ${redactUrl(req.url)} within ${options.timeoutMs} ms`,
      );
      const timer = setTimeout(() => controller.abort(timeout), options.timeoutMs);
      timer.unref();
      const agent = req.url.startsWith("https:") ? agents.https : agents.http;
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
    },
  };
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
