// The two requests an idle operator sends all the time, without dockerode: the
// heartbeat's ping and the cluster lock's lease renewal (at 300 hosts, 90 and
// 60 a second). docker-modem formats every request for its debug log
// (util.inspect of the options, whether or not anyone listens) and parses
// every answer as JSON first (the ping's "OK" throws before it is taken as
// text): profiled, that was twice the CPU of the HTTP request itself. These go
// out over the same connection options (unix socket, TCP, TLS, SSH channels)
// and fail with the same DockerError codes. Their connections are kept open
// between requests for longer than Node's default agents keep an idle one
// (5 s): with pings every 5 s (host_down_after 15 s and more) or a lease
// renewed every 5 s, every request otherwise opened a new connection (a TLS
// handshake for TLS hosts), and connecting and closing was the largest part
// of an idle operator's CPU after the requests themselves. Each host has an
// agent of its own: Node's agent looks for a timed-out idle socket among all
// its hosts' free sockets (a scan of every host at 300 hosts, each time one
// of them closes), and one host's sockets never wait behind another's.

import http from "node:http";
import https from "node:https";
import type { ConnectionOptions } from "./connection.js";
import { DockerError, toDockerError } from "./errors.js";
import { KeptConnection } from "./kept-connection.js";

/** How long an idle kept-open connection waits for the next request (longer than any heartbeat interval). */
const KEEP_IDLE_MS = 30_000;
/**
 * Per Docker host, beside the kept connection: the ping and a renewal may overlap (the kept
 * connection carries one, this the other); more idle connections than that are closed.
 */
export const LIGHT_FREE_PER_HOST = 1;

export interface LightAnswer {
  readonly status: number;
  readonly body: Buffer;
}

export class LightRequests {
  private readonly target: RequestTarget;
  /** This host's kept-open connections (none over SSH: its channels have their own agent). */
  private readonly agent: http.Agent | undefined;
  /** The beat's own connection, written to directly (not over SSH); see kept-connection.ts. */
  private readonly kept: KeptConnection | undefined;
  private lastArchive: { id: string; dir: string; path: string; head: string } | undefined;

  constructor(host: string, conn: ConnectionOptions) {
    const keep = { keepAlive: true, timeout: KEEP_IDLE_MS, maxFreeSockets: LIGHT_FREE_PER_HOST };
    const tls = conn.protocol === "https";
    this.agent = conn.agent !== undefined ? undefined : tls ? new https.Agent(keep) : new http.Agent(keep);
    this.kept = conn.agent !== undefined ? undefined : new KeptConnection(host, conn);
    // SSH: its channels' own agent (kept open already); else ours, kept open longer.
    this.target = requestTarget(host, conn, this.agent);
  }

  /** Close the kept-open connections (the host is closed). */
  close(): void {
    this.kept?.close();
    this.agent?.destroy();
  }

  /** GET /_ping: resolves when the engine answers 200 within timeoutMs (never retried). */
  ping(timeoutMs: number): Promise<LightAnswer> {
    return this.kept?.free === true
      ? this.kept.request("ping", "GET /_ping HTTP/1.1", timeoutMs)
      : this.request("ping", { method: "GET", path: "/_ping" }, timeoutMs);
  }

  /** Put a one-file tar archive into a container (PUT /containers/{id}/archive?path=dir). */
  putArchive(op: string, id: string, dir: string, tar: Buffer, timeoutMs: number): Promise<LightAnswer> {
    const { path, head } = this.archiveHead(id, dir);
    if (this.kept?.free === true) return this.kept.request(op, head, timeoutMs, tar);
    return this.request(
      op,
      {
        method: "PUT",
        path,
        headers: { "content-type": "application/x-tar", "content-length": tar.length },
      },
      timeoutMs,
      tar,
    );
  }

  /** The archive's path and request line, kept for the last container and directory (a lease renewal's, every beat or two). */
  private archiveHead(id: string, dir: string): { readonly path: string; readonly head: string } {
    const last = this.lastArchive;
    if (last?.id === id && last.dir === dir) return last;
    const path = `/containers/${encodeURIComponent(id)}/archive?path=${encodeURIComponent(dir)}`;
    this.lastArchive = { id, dir, path, head: `PUT ${path} HTTP/1.1\r\nContent-Type: application/x-tar` };
    return this.lastArchive;
  }

  /** One request under one deadline (see sendRequest). */
  request(op: string, o: http.RequestOptions, timeoutMs: number, body?: Buffer): Promise<LightAnswer> {
    return sendRequest(this.target, op, o, { timeoutMs }, body);
  }
}

/** Where a request goes: the host's name (for errors), Node's client, the connection's options. */
export interface RequestTarget {
  readonly host: string;
  readonly send: typeof http.request;
  readonly base: http.RequestOptions;
}

/**
 * Where a host's requests go through Node's HTTP client: its socket or address, TLS material, and
 * over SSH the channels of the host's own agent, else `agent` (the caller's kept-alive connections).
 */
export function requestTarget(
  host: string,
  conn: ConnectionOptions,
  agent: http.Agent | undefined,
): RequestTarget {
  const tls = conn.protocol === "https";
  const base = {
    ...(conn.socketPath !== undefined ? { socketPath: conn.socketPath as string } : {}),
    ...(conn.host !== undefined ? { host: conn.host } : {}),
    ...(conn.port !== undefined ? { port: conn.port } : {}),
    agent: conn.agent ?? agent,
    ...(tls ? { ca: conn.ca, cert: conn.cert, key: conn.key } : {}),
  } as http.RequestOptions;
  return { host, send: tls ? https.request : http.request, base };
}

/**
 * One request through Node's HTTP client (the light requests' and the Engine API client's) under
 * one deadline, connecting included (a host cut off never answers the connect either), and an
 * optional abort signal (the call's own deadline); a status other than 2xx is a DockerError
 * classified as dockerode's would be.
 */
export function sendRequest(
  target: RequestTarget,
  op: string,
  ro: http.RequestOptions,
  { timeoutMs, signal }: { readonly timeoutMs: number; readonly signal?: AbortSignal | undefined },
  body?: Buffer,
): Promise<LightAnswer> {
  const { host } = target;
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(toDockerError(signal.reason, host, op));
      return;
    }
    let settled = false;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      return true;
    };
    const fail = (err: unknown): void => {
      if (settle()) reject(toDockerError(err, host, op));
    };
    const req = target.send({ ...target.base, ...ro }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", fail);
      res.on("end", () => {
        const status = res.statusCode ?? 0;
        const data = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
        if (status < 200 || status >= 300)
          fail(Object.assign(new Error(`HTTP ${status}`), { statusCode: status, json: jsonOf(data) }));
        else if (settle()) resolve({ status, body: data });
      });
    });
    const abort = (err: unknown): void => {
      fail(err);
      req.destroy(err instanceof Error ? err : new Error(String(err)));
    };
    const onAbort = (): void => abort(signal?.reason);
    const timer = setTimeout(
      () => abort(new DockerError("timeout", `no answer within ${timeoutMs} ms`, { host, op })),
      timeoutMs,
    );
    signal?.addEventListener("abort", onAbort, { once: true });
    req.on("error", fail);
    req.end(body);
  });
}

/** An answer's body as JSON, or undefined when it is not JSON (error bodies may be plain text). */
export function jsonOf(data: Buffer): unknown {
  try {
    return JSON.parse(data.toString("utf8"));
  } catch {
    return undefined;
  }
}
