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
// A request is sent with a listener (send: no promise, no object made per
// request; request() is the promise for other callers) and its deadline kept
// by one sweep for all connections (deadline-sweep.ts), not a timer each.

import net from "node:net";
import tls from "node:tls";
import type { ConnectionOptions } from "./connection.js";
import { DockerError, toDockerError } from "./errors.js";
import { jsonOf, type LightAnswer } from "./light.js";
import { DeadlineSweep, type Deadlined } from "./deadline-sweep.js";

/** An idle kept connection is closed after this long (a heartbeat sends one every 5 s at most). */
const KEEP_IDLE_MS = 30_000;
const HEADER_END = Buffer.from("\r\n\r\n");
/** What one read takes at most into the shared buffer (a beat's answer is about 300 bytes). */
const READ_BUFFER_BYTES = 16 * 1024;
/** The read buffer of every kept connection (not TLS): reads are handled one at a time. */
let sharedReadBuffer: Buffer | undefined;
const readBuffer = (): Buffer => (sharedReadBuffer ??= Buffer.allocUnsafeSlow(READ_BUFFER_BYTES));

/** Told once what became of a request (KeptConnection.send). */
export interface AnswerListener {
  /** A 2xx answer; `body` is valid only during the call (it may be the shared read buffer's). */
  answered(status: number, body: Buffer): void;
  failed(err: DockerError): void;
}

/** The deadlines of every kept connection's request out. */
const deadlines = new DeadlineSweep();

/** For tests: requests queued for the deadline sweep (answered or not) since its last round. */
export const queuedDeadlines = (): number => deadlines.queued;

export class KeptConnection implements Deadlined {
  private socket: net.Socket | undefined;
  /** The request out (one at a time): its listener, name, deadline (performance.now() ms) and its length. */
  private pending: AnswerListener | undefined;
  private op = "request";
  private at = 0;
  private timeoutMs = 0;
  /** Whether the socket holds the process (a new one does, until its first answer). */
  private holding = false;
  swept = false;
  /** What arrived of the answer so far, while it is incomplete. */
  private received: Buffer | undefined;
  private closed = false;
  /** Each request's head as bytes, by its text (a host sends two: the ping and its lease's PUT). */
  private readonly heads = new Map<string, { readonly length: number; readonly bytes: Buffer }>();
  /** Where a request with a body is put together for its one write (reused once written). */
  private out: Buffer | undefined;
  /** The head bytes `out` starts with, and the view of `out` last written. */
  private outHead: Buffer | undefined;
  private outView: Buffer | undefined;

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
      const answered = (status: number, b: Buffer): void => resolve({ status, body: copyOf(b) });
      this.send(op, head, timeoutMs, { answered, failed: reject }, body, true);
    });
  }

  /**
   * As request(), its outcome told to `listener` (once; never synchronously). `hold`: the
   * connection holds the process until the answer (a promise's caller may have nothing else
   * that does); the heartbeat's beats do not ask it (its own timer holds the process), which
   * spares a ref and an unref of the socket per beat.
   */
  send(
    op: string,
    head: string,
    timeoutMs: number,
    listener: AnswerListener,
    body?: Buffer,
    hold = false,
  ): void {
    if (!this.free) {
      const err = new DockerError("unknown", "kept connection busy or closed", { host: this.host, op });
      queueMicrotask(() => listener.failed(err));
      return;
    }
    this.pending = listener;
    this.op = op;
    this.timeoutMs = timeoutMs;
    this.at = performance.now() + timeoutMs;
    deadlines.watch(this, this.at);
    const socket = this.socket ?? this.connect();
    if (hold && !this.holding) {
      this.holding = true;
      socket.ref();
    }
    const length = body?.length ?? 0;
    const headBytes = this.headBytes(head, length);
    // Head and body in one write (one system call, no cork and writev).
    socket.write(body === undefined || length === 0 ? headBytes : this.joined(socket, headBytes, body));
  }

  deadlineAt(): number | undefined {
    return this.pending === undefined ? undefined : this.at;
  }

  expire(): void {
    const op = this.op;
    this.fail(new DockerError("timeout", `no answer within ${this.timeoutMs} ms`, { host: this.host, op }));
  }

  /**
   * Head and body in the kept buffer, unless a write of it may still be under way (then a new one);
   * as large as the largest request so far (a renewal's, about 2.5 KiB), not pooled.
   */
  private joined(socket: net.Socket, head: Buffer, body: Buffer): Buffer {
    const n = head.length + body.length;
    if (this.out === undefined || this.out.length < n || socket.writableLength > 0) {
      this.out = Buffer.allocUnsafeSlow(n);
      this.outHead = undefined;
      this.outView = undefined;
    }
    // The head is there already when it is the last one's (a host's renewals share theirs).
    if (this.outHead !== head) {
      head.copy(this.out, 0);
      this.outHead = head;
    }
    body.copy(this.out, head.length);
    if (this.outView?.length !== n) this.outView = this.out.subarray(0, n);
    return this.outView;
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
    this.outHead = undefined;
    this.outView = undefined;
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
    this.holding = true; // as any new socket
    socket.setNoDelay(true);
    socket.setTimeout(KEEP_IDLE_MS);
    if (c.socketPath === undefined && c.protocol === "https")
      socket.on("data", (d: Buffer) => this.data(d, false));
    socket.on("timeout", () => {
      if (this.pending === undefined && this.socket === socket) this.drop();
    });
    socket.on("error", (err) => {
      if (this.socket === socket) this.fail(toDockerError(err, this.host, this.opOut()));
    });
    socket.on("close", () => {
      if (this.socket !== socket) return;
      this.fail(new DockerError("connection-reset", "socket hang up", { host: this.host, op: this.opOut() }));
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
      this.fail(new DockerError("unknown", "malformed HTTP answer", { host: this.host, op: this.op }));
      return;
    }
    const p = this.pending;
    this.pending = undefined;
    this.received = undefined;
    if (answer.close) this.drop();
    else if (this.holding) {
      this.holding = false;
      this.socket?.unref();
    }
    if (answer.status >= 200 && answer.status < 300) {
      // The body may be the shared read buffer's: valid until the next read, so during the call.
      p.answered(answer.status, answer.body);
      return;
    }
    const err = Object.assign(new Error(`HTTP ${answer.status}`), {
      statusCode: answer.status,
      json: jsonOf(answer.body),
    });
    p.failed(toDockerError(err, this.host, this.op));
  }

  /** The name of the request out, for errors. */
  private opOut(): string {
    return this.pending === undefined ? "request" : this.op;
  }

  /** The request in flight fails with err; the connection is closed. */
  private fail(err: DockerError): void {
    const p = this.pending;
    this.pending = undefined;
    this.drop();
    if (p === undefined) return;
    p.failed(err);
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
  if (length === NO_LENGTH) {
    // No length: only answers without a body (204, 304) can be complete here.
    return status === 204 || status === 304 ? { status, body: EMPTY, close } : "bad";
  }
  const n = length;
  if (n < 0) return "bad";
  if (buf.length < start + n) return undefined;
  return { status, body: buf.subarray(start, start + n), close: close || buf.length > start + n };
}

const EMPTY = Buffer.alloc(0);
const HTTP_1 = Buffer.from("HTTP/1.", "latin1");

function copyOf(b: Buffer): Buffer {
  return b.length === 0 ? EMPTY : Buffer.from(b);
}

/** "HTTP/1.x NNN" at the start of buf (within the head's `end` bytes): NNN, else undefined. */
function statusOf(buf: Buffer, end: number): number | undefined {
  // As /^HTTP\/1\.[01] (\d{3})/ reads it.
  if (end < 12) return undefined;
  for (let i = 0; i < HTTP_1.length; i++) if (buf[i] !== HTTP_1[i]) return undefined;
  if ((buf[7] !== 0x30 && buf[7] !== 0x31) || buf[8] !== 0x20) return undefined;
  let status = 0;
  for (let i = 9; i < 12; i++) {
    const digit = (buf[i] ?? 0) - 0x30;
    if (digit < 0 || digit > 9) return undefined;
    status = status * 10 + digit;
  }
  return status;
}

/**
 * The head's Connection (asks to close?), Transfer-Encoding (chunked?) and Content-Length, as the
 * regular expressions `\r\nname:[ \t]*([^\r\n]*)` (case-insensitive, the first line of each
 * name) read them, into HEAD (read at once by the caller): by bytes, no string made per answer.
 */
function headers(buf: Buffer, end: number): typeof HEAD {
  HEAD.close = false;
  HEAD.chunked = false;
  HEAD.length = NO_LENGTH;
  let seen = 0; // bits: connection 1, transfer-encoding 2, content-length 4
  for (let at = buf.indexOf(CRLF, 0); at >= 0 && at < end;) {
    const from = at + 2;
    let next = buf.indexOf(CRLF, from);
    if (next < 0 || next > end) next = end;
    const colon = buf.indexOf(0x3a, from);
    if (colon > from && colon < next) {
      const name = colon - from;
      if (name === 10 && (seen & 1) === 0 && nameIs(buf, from, "connection")) {
        seen |= 1;
        HEAD.close = holds(buf, colon + 1, next, "close");
      } else if (name === 17 && (seen & 2) === 0 && nameIs(buf, from, "transfer-encoding")) {
        seen |= 2;
        HEAD.chunked = holds(buf, colon + 1, next, "chunked");
      } else if (name === 14 && (seen & 4) === 0 && nameIs(buf, from, "content-length")) {
        seen |= 4;
        HEAD.length = decimal(buf, colon + 1, next);
      }
    }
    at = next === end ? -1 : next;
  }
  return HEAD;
}

/** headers()' answer, reused (parse reads it before the next call). */
const HEAD = { close: false, chunked: false, length: -1 };
/** No Content-Length; BAD_LENGTH: one that is not a non-negative integer. */
const NO_LENGTH = -1;
const BAD_LENGTH = -2;

/** Whether buf holds `lower` (lower case ASCII) anywhere from `at` to `to`, whatever the case. */
function holds(buf: Buffer, at: number, to: number, lower: string): boolean {
  for (let i = at; i + lower.length <= to; i++) if (nameIs(buf, i, lower)) return true;
  return false;
}

/** A value of decimal digits from `at` to `to` between blanks (as Number() reads a trimmed one), else BAD_LENGTH. */
function decimal(buf: Buffer, at: number, to: number): number {
  let from = at;
  let end = to;
  while (from < end && isBlank(buf[from])) from++;
  while (end > from && isBlank(buf[end - 1])) end--;
  if (from === end || end - from > 15) return BAD_LENGTH;
  let n = 0;
  for (let i = from; i < end; i++) {
    const d = (buf[i] ?? 0) - 0x30;
    if (d < 0 || d > 9) return BAD_LENGTH;
    n = n * 10 + d;
  }
  return n;
}

const isBlank = (c: number | undefined): boolean => c === 0x20 || c === 0x09;

const CRLF = Buffer.from("\r\n");

/** Whether buf holds `lower` (lower case ASCII) at `at`, whatever the case. */
function nameIs(buf: Buffer, at: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    const c = buf[at + i] ?? 0;
    if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** A chunked body from `at`: the data, undefined while incomplete (read by bytes: no string per chunk). */
function dechunk(buf: Buffer, at: number): Buffer | "bad" | undefined {
  let parts: Buffer[] | undefined;
  let first: Buffer | undefined;
  for (;;) {
    const eol = buf.indexOf(CRLF, at);
    if (eol < 0) return undefined;
    const size = chunkSize(buf, at, eol);
    if (size < 0) return "bad";
    const dataAt = eol + 2;
    if (size === 0) {
      // The last chunk: "0", then trailers (none expected) and a blank line.
      if (buf.indexOf(HEADER_END, eol) < 0) return undefined;
      return parts !== undefined ? Buffer.concat(parts) : (first ?? EMPTY);
    }
    if (buf.length < dataAt + size + 2) return undefined;
    const part = buf.subarray(dataAt, dataAt + size);
    if (first === undefined) first = part;
    else (parts ??= [first]).push(part);
    at = dataAt + size + 2;
  }
}

/** The chunk size in hex from `at` up to `eol` (or its extensions: ';', blanks), -1 when not one. */
function chunkSize(buf: Buffer, at: number, eol: number): number {
  let size = 0;
  let digits = 0;
  for (let i = at; i < eol; i++) {
    const c = buf[i] ?? 0;
    if (c === 0x3b || c === 0x20 || c === 0x09) break;
    const d = hexDigit(c);
    if (d < 0 || digits >= 12) return -1;
    size = size * 16 + d;
    digits++;
  }
  return digits > 0 ? size : -1;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x57 : -1;
}
