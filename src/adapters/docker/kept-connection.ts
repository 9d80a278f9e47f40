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
// Without TLS the answer is read into one buffer shared by every kept
// connection of the process (net's `onread`: no buffer allocated per read, no
// trip through the stream's 'data' machinery; each read is handled, and what
// is kept of it copied, before the next one) and its head parsed from the
// bytes; a request goes out in one write, the renewal's head and body copied
// into a buffer kept per connection. At 1,000 hosts a 16 KiB read buffer and
// a 4 KiB write buffer per connection were 20 MiB of the operator's memory;
// the shared one is 16 KiB, a connection's own buffers its requests' size.

import net from "node:net";
import tls from "node:tls";
import type { ConnectionOptions } from "./connection.js";
import { DockerError, toDockerError } from "./errors.js";
import { jsonOf, type LightAnswer } from "./light.js";

/** An idle kept connection is closed after this long (a heartbeat sends one every 5 s at most). */
const KEEP_IDLE_MS = 30_000;
const HEADER_END = Buffer.from("\r\n\r\n");
/** What one read takes at most into the shared buffer (a beat's answer is about 300 bytes). */
const READ_BUFFER_BYTES = 16 * 1024;
/** The read buffer of every kept connection (not TLS): reads are handled one at a time. */
let sharedReadBuffer: Buffer | undefined;
const readBuffer = (): Buffer => (sharedReadBuffer ??= Buffer.allocUnsafeSlow(READ_BUFFER_BYTES));

interface Pending {
  readonly op: string;
  readonly resolve: (a: LightAnswer) => void;
  readonly reject: (e: DockerError) => void;
}

export class KeptConnection {
  private socket: net.Socket | undefined;
  private pending: Pending | undefined;
  /** What arrived of the answer so far, while it is incomplete. */
  private received: Buffer | undefined;
  private closed = false;
  /** Each request's head as bytes, by its text (a host sends two: the ping and its lease's PUT). */
  private readonly heads = new Map<string, { readonly length: number; readonly bytes: Buffer }>();
  /** Where a request with a body is put together for its one write (reused once written). */
  private out: Buffer | undefined;
  /**
   * The deadline: one timer per connection, moved to each request's start + its deadline
   * (refresh) and left to fire after an answer (then it finds nothing pending): no timer made
   * and cleared per request.
   */
  private deadline: { readonly timer: NodeJS.Timeout; readonly ms: number } | undefined;

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
    clearTimeout(this.deadline?.timer);
    this.deadline = undefined;
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
      this.armDeadline(timeoutMs);
      this.pending = { op, resolve, reject };
      const socket = this.socket ?? this.connect();
      socket.ref();
      const length = body?.length ?? 0;
      const headBytes = this.headBytes(head, length);
      // Head and body in one write (one system call, no cork and writev).
      socket.write(body === undefined || length === 0 ? headBytes : this.joined(socket, headBytes, body));
    });
  }

  /** The connection's timer set to fire timeoutMs from now (see `deadline`). */
  private armDeadline(timeoutMs: number): void {
    if (this.deadline?.ms === timeoutMs) {
      this.deadline.timer.refresh();
      return;
    }
    clearTimeout(this.deadline?.timer);
    const timer = setTimeout(() => {
      const p = this.pending;
      // Every request moves the timer to its own deadline: what is pending when it fires is late.
      if (p === undefined) return;
      this.fail(
        new DockerError("timeout", `no answer within ${timeoutMs} ms`, { host: this.host, op: p.op }),
      );
    }, timeoutMs);
    // The request's socket holds the process while it waits; the timer alone does not.
    timer.unref();
    this.deadline = { timer, ms: timeoutMs };
  }

  /**
   * Head and body in the kept buffer, unless a write of it may still be under way (then a new one);
   * as large as the largest request so far (a renewal's, about 2.5 KiB), not pooled.
   */
  private joined(socket: net.Socket, head: Buffer, body: Buffer): Buffer {
    const n = head.length + body.length;
    if (this.out === undefined || this.out.length < n || socket.writableLength > 0)
      this.out = Buffer.allocUnsafeSlow(n);
    head.copy(this.out, 0);
    body.copy(this.out, head.length);
    return this.out.subarray(0, n);
  }

  /** The head with Host and Content-Length, encoded once per text and length (never changed after). */
  private headBytes(head: string, length: number): Buffer {
    const kept = this.heads.get(head);
    if (kept?.length === length) return kept.bytes;
    // Its own bytes, not a slice of Node's 8 KiB pool (kept, a slice keeps its whole pool alive).
    const text = `${head}\r\nHost: docker\r\nContent-Length: ${length}\r\n\r\n`;
    const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text, "latin1"));
    bytes.write(text, "latin1");
    if (this.heads.size >= 4) this.heads.clear();
    this.heads.set(head, { length, bytes });
    return bytes;
  }

  private connect(): net.Socket {
    const c = this.conn;
    // Not TLS: read into the shared buffer (see the header); TLS sockets take no `onread`.
    const onread = {
      buffer: readBuffer(),
      callback: (n: number, buf: Buffer): boolean => {
        if (this.socket === socket) this.data(buf.subarray(0, n), true);
        return true; // keep reading
      },
    };
    this.out = undefined;
    const socket: net.Socket =
      c.socketPath !== undefined
        ? net.connect({ path: c.socketPath as string, onread })
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
          : net.connect({ host: c.host as string, port: Number(c.port), onread });
    socket.setNoDelay(true);
    socket.setTimeout(KEEP_IDLE_MS);
    if (c.socketPath === undefined && c.protocol === "https")
      socket.on("data", (d: Buffer) => this.data(d, false));
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

  /** What arrived; `kept`: d is the connection's read buffer, overwritten by the next read. */
  private data(d: Buffer, kept: boolean): void {
    if (this.pending === undefined) {
      this.drop(); // nothing was asked: a connection out of step is not reused
      return;
    }
    const buf = this.received === undefined ? d : Buffer.concat([this.received, d]);
    const answer = parse(buf);
    if (answer === undefined) {
      this.received = kept && buf === d ? Buffer.from(d) : buf; // not complete yet
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
    if (answer.close) this.drop();
    else this.socket?.unref();
    if (answer.status >= 200 && answer.status < 300) {
      // The body is the kept read buffer's until the next read: the caller gets a copy.
      const body = kept && buf === d ? copyOf(answer.body) : answer.body;
      p.resolve({ status: answer.status, body });
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
  const status = statusOf(buf, end);
  if (status === undefined) return "bad";
  const { close, chunked, length } = headers(buf, end);
  const start = end + HEADER_END.length;
  if (chunked) {
    const body = dechunk(buf, start);
    if (body === undefined || body === "bad") return body;
    return { status, body, close };
  }
  if (length === undefined) {
    // No length: only answers without a body (204, 304) can be complete here.
    return status === 204 || status === 304 ? { status, body: EMPTY, close } : "bad";
  }
  const n = Number(length);
  if (!Number.isInteger(n) || n < 0) return "bad";
  if (buf.length < start + n) return undefined;
  return { status, body: buf.subarray(start, start + n), close: close || buf.length > start + n };
}

const EMPTY = Buffer.alloc(0);

function copyOf(b: Buffer): Buffer {
  return b.length === 0 ? EMPTY : Buffer.from(b);
}

/** "HTTP/1.x NNN" at the start of buf (within the head's `end` bytes): NNN, else undefined. */
function statusOf(buf: Buffer, end: number): number | undefined {
  // As /^HTTP\/1\.[01] (\d{3})/ reads it.
  if (
    end < 12 ||
    buf.toString("latin1", 0, 7) !== "HTTP/1." ||
    (buf[7] !== 0x30 && buf[7] !== 0x31) ||
    buf[8] !== 0x20
  )
    return undefined;
  let status = 0;
  for (let i = 9; i < 12; i++) {
    const digit = (buf[i] ?? 0) - 0x30;
    if (digit < 0 || digit > 9) return undefined;
    status = status * 10 + digit;
  }
  return status;
}

/**
 * The head's Connection (asks to close?), Transfer-Encoding (chunked?) and Content-Length (its
 * text), as the regular expressions `\r\nname:[ \t]*([^\r\n]*)` (case-insensitive, the first
 * line of each name) read them: only the lines of those names are turned into strings.
 */
function headers(
  buf: Buffer,
  end: number,
): { readonly close: boolean; readonly chunked: boolean; readonly length: string | undefined } {
  let connection: string | undefined;
  let encoding: string | undefined;
  let length: string | undefined;
  for (let at = buf.indexOf(CRLF, 0); at >= 0 && at < end;) {
    const from = at + 2;
    let next = buf.indexOf(CRLF, from);
    if (next < 0 || next > end) next = end;
    const colon = buf.indexOf(0x3a, from);
    if (colon > from && colon < next) {
      const name = colon - from;
      if (name === 10 && connection === undefined && nameIs(buf, from, "connection"))
        connection = valueOf(buf, colon + 1, next);
      else if (name === 17 && encoding === undefined && nameIs(buf, from, "transfer-encoding"))
        encoding = valueOf(buf, colon + 1, next);
      else if (name === 14 && length === undefined && nameIs(buf, from, "content-length"))
        length = valueOf(buf, colon + 1, next).trim();
    }
    at = next === end ? -1 : next;
  }
  return {
    close: connection !== undefined && /close/i.test(connection),
    chunked: encoding !== undefined && /chunked/i.test(encoding),
    length,
  };
}

const CRLF = Buffer.from("\r\n");

/** Whether buf holds `lower` (lower case ASCII) at `at`, whatever the case. */
function nameIs(buf: Buffer, at: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    const c = buf[at + i] ?? 0;
    if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** A header's value from `at` to `to`, its leading spaces and tabs left out. */
function valueOf(buf: Buffer, at: number, to: number): string {
  let from = at;
  while (from < to && (buf[from] === 0x20 || buf[from] === 0x09)) from++;
  return buf.toString("latin1", from, to);
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
      if (buf.indexOf(HEADER_END, eol) < 0) return undefined;
      return parts.length === 0 ? EMPTY : parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
    }
    if (buf.length < dataAt + size + 2) return undefined;
    parts.push(buf.subarray(dataAt, dataAt + size));
    at = dataAt + size + 2;
  }
}
