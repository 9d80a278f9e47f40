// A small HTTP client for the edge tests: one GET, its status and parsed echo.
// `get` behaves like curl and browsers on a persistent connection that the
// server closed just as the request went out (RFC 9112 §9.3.1): an idempotent
// request that got no byte of answer on a reused socket is sent once more, and
// the retry is counted so tests can report it.

import http from "node:http";
import type { Echo } from "./http-backends.js";

export interface Reply {
  readonly status: number;
  readonly echo: Echo | undefined;
  readonly retried: boolean;
}

export interface GetOptions {
  readonly agent?: http.Agent | false;
  readonly host?: string;
  readonly localAddress?: string;
  readonly timeoutMs?: number;
}

function once(url: string, o: GetOptions): Promise<{ status: number; body: string; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      url,
      {
        agent: o.agent ?? false,
        timeout: o.timeoutMs ?? 5000,
        ...(o.host !== undefined ? { headers: { host: o.host } } : {}),
        ...(o.localAddress !== undefined ? { localAddress: o.localAddress } : {}),
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, reused: req.reusedSocket }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timeout after ${o.timeoutMs ?? 5000} ms`)));
    req.on("error", (err) => reject(Object.assign(err, { reused: req.reusedSocket })));
  });
}

export async function get(url: string, o: GetOptions = {}): Promise<Reply> {
  let retried = false;
  let r: { status: number; body: string };
  try {
    r = await once(url, o);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { reused?: boolean };
    if (e.reused !== true || (e.code !== "ECONNRESET" && e.message !== "socket hang up")) throw err;
    retried = true;
    // Like curl: the retry goes out on a new connection, not on another pooled one that may be closing too.
    r = await once(url, { ...o, agent: false });
  }
  const echo = r.status === 200 ? (JSON.parse(r.body) as Echo) : undefined;
  return { status: r.status, echo, retried };
}

export interface LoadResult {
  readonly ok: number;
  readonly failed: number;
  readonly retried: number;
  readonly errors: readonly string[];
  readonly byBackend: ReadonlyMap<string, number>;
}

/**
 * Requests one after another until `stop()` says so; counts outcomes instead of throwing.
 * `progress.ok` counts the good answers as they come, for a test that waits on them.
 */
export async function steadyLoad(
  url: string,
  stop: () => boolean,
  o: GetOptions & { readonly progress?: { ok: number } } = {},
): Promise<LoadResult> {
  let ok = 0;
  let failed = 0;
  let retried = 0;
  const errors: string[] = [];
  const byBackend = new Map<string, number>();
  while (!stop()) {
    try {
      const r = await get(url, o);
      if (r.retried) retried++;
      if (r.status === 200 && r.echo !== undefined) {
        ok++;
        if (o.progress) o.progress.ok++;
        byBackend.set(r.echo.id, (byBackend.get(r.echo.id) ?? 0) + 1);
      } else {
        failed++;
        errors.push(`status ${r.status}`);
      }
    } catch (err) {
      failed++;
      const e = err as Error & { reused?: boolean };
      errors.push(`${String(err)} (${e.reused === true ? "reused" : "new"} connection)`);
    }
  }
  return { ok, failed, retried, errors, byBackend };
}
