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
// of an idle operator's CPU after the requests themselves (the beat's own
// connection: kept-connection.ts). A request that cannot take it goes
// through the host's own agent, the one its Engine API calls use (hostAgent).

import http from "node:http";
import https from "node:https";
import type { ConnectionOptions } from "./connection.js";
import { DockerError, toDockerError } from "./errors.js";
import { KeptConnection, type AnswerListener } from "./kept-connection.js";

/**
 * Idle connections kept per host for the Engine API's calls. During a deploy a host's lanes open
 * up to a dozen at once, and each one left open idle is a socket with its buffers: at 1,000 hosts
 * Node's default (256 idle per host) kept thousands, 4 per host still 3,000–5,000 sockets with the
 * heartbeat's and the event streams'. One is kept (a burst's others close as they finish); the
 * heartbeat has its own (kept-connection.ts). dockerode's few calls (streams, the lock, volumes) stay on
 * Node's global agent: given an agent in its options, docker-modem copies them deeply on each
 * call.
 */
export const FREE_PER_HOST = 1;

/** Kept-alive connections as Node's default agents keep them (5 s idle, newest first), FREE_PER_HOST per host. */
const KEEP = {
  keepAlive: true,
  scheduling: "lifo",
  timeout: 5_000,
  maxFreeSockets: FREE_PER_HOST,
} as const;

/**
 * The host's own agent (none over SSH: its channels have theirs). Not one for all hosts: when an
 * idle socket times out, Node's agent looks for it in the free lists of every host it serves
 * (`Object.keys` of them all, then a search of each): with one agent at 300 hosts, that scan ran
 * each time any host's idle connection closed (3.6 MiB of garbage a minute, idle). An agent is
 * about 1.5 KiB; the heartbeat's spare requests share it.
 */
export function hostAgent(conn: ConnectionOptions): http.Agent | undefined {
  if (conn.agent !== undefined) return undefined;
  return conn.protocol === "https" ? new https.Agent(KEEP) : new http.Agent(KEEP);
}

/**
 * Per Docker host, beside the kept connection: the ping and a renewal may overlap (the kept
 * connection carries one, the host's agent the other); it keeps this many idle, shared with
 * the Engine API's calls.
 */
export const LIGHT_FREE_PER_HOST = FREE_PER_HOST;

export interface LightAnswer {
  readonly status: number;
  readonly body: Buffer;
}

export class LightRequests {
  private readonly target: RequestTarget;
  /** The beat's own connection, written to directly (not over SSH); see kept-connection.ts. */
  private readonly kept: KeptConnection | undefined;
  private lastArchive: { id: string; dir: string; path: string; head: string } | undefined;

  constructor(
    host: string,
    conn: ConnectionOptions,
    /** The host's kept-alive connections (its Engine API's: hostAgent); none over SSH. */
    private readonly agent: http.Agent | undefined = hostAgent(conn),
  ) {
    this.kept = conn.agent !== undefined ? undefined : new KeptConnection(host, conn);
    // SSH: its channels' own agent (kept open already); else the host's.
    this.target = requestTarget(host, conn, agent);
  }

  /** Close the kept-open connections (the host is closed). */
  close(): void {
    this.kept?.close();
    this.agent?.destroy();
  }

  /** GET /_ping: resolves when the engine answers 200 within timeoutMs (never retried). */
  ping(timeoutMs: number): Promise<LightAnswer> {
    return this.kept?.free === true
      ? this.kept.request("ping", PING_HEAD, timeoutMs)
      : this.request("ping", { method: "GET", path: "/_ping" }, timeoutMs);
  }

  /** ping(), told to `listener` (the heartbeat's beat: no promise while the kept connection is free). */
  pingTo(timeoutMs: number, listener: AnswerListener): void {
    if (this.kept?.free === true) this.kept.send("ping", PING_HEAD, timeoutMs, listener);
    else relay(this.ping(timeoutMs), listener);
  }

  /**
   * putArchive(), told to `listener` (as pingTo). `tar` is copied before this returns (the
   * caller may reuse it: leaseTarShared).
   */
  putArchiveTo(
    op: string,
    id: string,
    dir: string,
    tar: Buffer,
    timeoutMs: number,
    listener: AnswerListener,
  ): void {
    if (this.kept?.free === true)
      this.kept.send(op, this.archiveHead(id, dir).head, timeoutMs, listener, tar);
    else relay(this.putArchive(op, id, dir, Buffer.from(tar), timeoutMs), listener);
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

const PING_HEAD = "GET /_ping HTTP/1.1";

/** A request's outcome told to a listener (when the kept connection is busy: rare). */
function relay(answer: Promise<LightAnswer>, listener: AnswerListener): void {
  answer.then(
    (a) => listener.answered(a.status, a.body),
    (err: unknown) => listener.failed(toDockerError(err, "", "request")),
  );
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
