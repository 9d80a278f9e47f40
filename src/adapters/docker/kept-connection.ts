// One kept-open HTTP/1.1 connection to a Docker engine for the heartbeat's
// beat (GET /_ping, or the lease's PUT of a small archive): at 300 hosts an
// idle operator sends 90 of them a second, and through Node's HTTP client
// (ClientRequest, IncomingMessage, the agent's bookkeeping) each cost about
// 3x the CPU of writing the request on an open socket and reading the short
// answer (measured here: 0.33 ms against 0.11 ms a request). One request at a
// time: the caller sends another through Node's client while one is in flight.
// Answers with a Content-Length or chunked body are read; anything else (or
// "Connection: close") closes the connection after the answer. A deadline or
// a broken connection closes it too: the next request connects afresh.

import net from "node:net";
import tls from "node:tls";
import type { ConnectionOptions } from "./connection.js";
import { DockerError, toDockerError } from "./errors.js";
import { jsonOf, type LightAnswer } from "./light.js";

/** An idle kept connection is closed after this long (a heartbeat sends one every 5 s at most). */
const KEEP_IDLE_MS = 30_000;
const HEADER_END = Buffer.from("\r\n\r\n");
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})/;
const CONNECTION = /\r\nconnection:[ \t]*([^\r\n]*)/i;
const TRANSFER_ENCODING = /\r\ntransfer-encoding:[ \t]*([^\r\n]*)/i;
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*([^\r\n]*)/i;

interface Pending {
  readonly op: string;
  readonly resolve: (a: LightAnswer) => void;
  readonly reject: (e: DockerError) => void;
  readonly timer: NodeJS.Timeout;
}

export class KeptConnection {
  private socket: net.Socket | undefined;
  private pending: Pending | undefined;
  /** What arrived of the answer so far, while it is incomplete. */
  private received: Buffer | undefined;
  private closed = false;
  /** Each request's head as bytes, by its text (a host sends two: the ping and its lease's PUT). */
  private readonly heads = new Map<string, { readonly length: number; readonly bytes: Buffer }>();

  constructor(
    private readonly host: string,
    private readonly conn: ConnectionOptions,
  ) {}

  /** Whether a request can go now (none in flight on this connection). */
  get free(): boolean {
    return this.pending === undefined && !this.closed;
  }

  close(): void {
    this.closed = true;
    this.drop();
  }

  /**
   * One request (`head`: request line and headers, without the blank line; Host and
   * Content-Length are added) under one deadline, connecting included. A status other than
   * 2xx is a DockerError classified as dockerode's would be.
   */
  request(op: string, head: string, timeoutMs: number, body?: Buffer): Promise<LightAnswer> {
    return new Promise((resolve, reject) => {
      if (!this.free) {
        reject(new DockerError("unknown", "kept connection busy or closed", { host: this.host, op }));
        return;
      }
      const timer = setTimeout(() => {
        this.fail(new DockerError("timeout", `no answer within ${timeoutMs} ms`, { host: this.host, op }));
      }, timeoutMs);
      this.pending = { op, resolve, reject, timer };
      const socket = this.socket ?? this.connect();
      socket.ref();
      const length = body?.length ?? 0;
      // Head and body in one system call (writev), not two.
      socket.cork();
      socket.write(this.headBytes(head, length));
      if (body !== undefined && length > 0) socket.write(body);
      socket.uncork();
    });
  }

  /** The head with Host and Content-Length, encoded once per text and length (never changed after). */
  private headBytes(head: string, length: number): Buffer {
    const kept = this.heads.get(head);
    if (kept?.length === length) return kept.bytes;
    const bytes = Buffer.from(`${head}\r\nHost: docker\r\nContent-Length: ${length}\r\n\r\n`, "latin1");
    if (this.heads.size >= 4) this.heads.clear();
    this.heads.set(head, { length, bytes });
    return bytes;
  }

  private connect(): net.Socket {
    const c = this.conn;
    const socket =
      c.socketPath !== undefined
        ? net.connect({ path: c.socketPath as string })
        : c.protocol === "https"
          ? tls.connect({
              host: c.host as string,
              port: Number(c.port),
              ...(c.ca !== undefined ? { ca: c.ca } : {}),
              ...(c.cert !== undefined ? { cert: c.cert } : {}),
              ...(c.key !== undefined ? { key: c.key } : {}),
              // As https.request: the name for SNI and the certificate check, unless an address.
              ...(net.isIP(String(c.host)) === 0 ? { servername: c.host as string } : {}),
            })
          : net.connect({ host: c.host as string, port: Number(c.port) });
    socket.setNoDelay(true);
    socket.setTimeout(KEEP_IDLE_MS);
    socket.on("data", (d: Buffer) => this.data(d));
    socket.on("timeout", () => {
      if (this.pending === undefined && this.socket === socket) this.drop();
    });
    socket.on("error", (err) => {
      if (this.socket === socket) this.fail(toDockerError(err, this.host, this.pending?.op ?? "request"));
    });
    socket.on("close", () => {
      if (this.socket !== socket) return;
      const op = this.pending?.op ?? "request";
      this.fail(new DockerError("connection-reset", "socket hang up", { host: this.host, op }));
    });
    this.socket = socket;
    return socket;
  }

  private data(d: Buffer): void {
    if (this.pending === undefined) {
      this.drop(); // nothing was asked: a connection out of step is not reused
      return;
    }
    const buf = this.received === undefined ? d : Buffer.concat([this.received, d]);
    const answer = parse(buf);
    if (answer === undefined) {
      this.received = buf; // not complete yet
      return;
    }
    if (answer === "bad") {
      this.fail(
        new DockerError("unknown", "malformed HTTP answer", { host: this.host, op: this.pending.op }),
      );
      return;
    }
    const p = this.pending;
    this.pending = undefined;
    this.received = undefined;
    clearTimeout(p.timer);
    if (answer.close) this.drop();
    else this.socket?.unref();
    if (answer.status >= 200 && answer.status < 300) {
      p.resolve({ status: answer.status, body: answer.body });
      return;
    }
    const err = Object.assign(new Error(`HTTP ${answer.status}`), {
      statusCode: answer.status,
      json: jsonOf(answer.body),
    });
    p.reject(toDockerError(err, this.host, p.op));
  }

  /** The request in flight fails with err; the connection is closed. */
  private fail(err: DockerError): void {
    const p = this.pending;
    this.pending = undefined;
    this.drop();
    if (p === undefined) return;
    clearTimeout(p.timer);
    p.reject(err);
  }

  private drop(): void {
    const s = this.socket;
    this.socket = undefined;
    this.received = undefined;
    s?.destroy();
  }
}

interface Parsed {
  readonly status: number;
  readonly body: Buffer;
  readonly close: boolean;
}

/** A complete HTTP/1.1 answer in buf; undefined while incomplete. */
export function parse(buf: Buffer): Parsed | "bad" | undefined {
  const end = buf.indexOf(HEADER_END);
  if (end < 0) return buf.length > 64 * 1024 ? "bad" : undefined;
  const head = buf.toString("latin1", 0, end);
  const m = STATUS_LINE.exec(head);
  if (m === null) return "bad";
  const status = Number(m[1]);
  const close = /close/i.test(CONNECTION.exec(head)?.[1] ?? "");
  const start = end + HEADER_END.length;
  if (/chunked/i.test(TRANSFER_ENCODING.exec(head)?.[1] ?? "")) {
    const body = dechunk(buf, start);
    if (body === undefined || body === "bad") return body;
    return { status, body, close };
  }
  const length = CONTENT_LENGTH.exec(head)?.[1]?.trim();
  if (length === undefined) {
    // No length: only answers without a body (204, 304) can be complete here.
    return status === 204 || status === 304 ? { status, body: Buffer.alloc(0), close } : "bad";
  }
  const n = Number(length);
  if (!Number.isInteger(n) || n < 0) return "bad";
  if (buf.length < start + n) return undefined;
  return { status, body: buf.subarray(start, start + n), close: close || buf.length > start + n };
}

/** A chunked body from `at`: the data, undefined while incomplete. */
function dechunk(buf: Buffer, at: number): Buffer | "bad" | undefined {
  const parts: Buffer[] = [];
  for (;;) {
    const eol = buf.indexOf("\r\n", at);
    if (eol < 0) return undefined;
    const size = Number.parseInt(buf.toString("latin1", at, eol).split(";")[0] ?? "", 16);
    if (!Number.isInteger(size) || size < 0) return "bad";
    const dataAt = eol + 2;
    if (size === 0) {
      // The last chunk: "0", then trailers (none expected) and a blank line.
      return buf.indexOf(HEADER_END, eol) >= 0 ? Buffer.concat(parts) : undefined;
    }
    if (buf.length < dataAt + size + 2) return undefined;
    parts.push(buf.subarray(dataAt, dataAt + size));
    at = dataAt + size + 2;
  }
}
