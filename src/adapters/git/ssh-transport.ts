// Git over SSH behind isomorphic-git's HTTP client interface. isomorphic-git
// speaks smart HTTP only; over SSH the same protocol v1 exchange runs on one
// channel: the server's `git-upload-pack '<path>'` (or `git-receive-pack`)
// first advertises its refs, then reads the request and answers. So:
//
//   GET  .../info/refs?service=S  → run S on a channel, read the ref
//                                   advertisement (up to its flush-pkt), and
//                                   keep the channel for the request to come
//   POST .../S                    → write the request to that channel, return
//                                   everything S answers
//
// The bytes after the advertisement are the same as over stateless HTTP,
// because isomorphic-git sends the whole negotiation at once (wants, haves,
// "done"). A channel whose request never comes (a poll only lists refs) is
// closed by release(), after a flush-pkt that tells S there is nothing to do.

import type { GitHttpRequest, GitHttpResponse, HttpClient } from "isomorphic-git";
import type { ClientChannel } from "ssh2";
import type { SshClient } from "../ssh/client.js";
import { GitAdapterError } from "./errors.js";
import { guardBody } from "./http-client.js";
import { sshGitCommand } from "./ssh-url.js";

type Service = "git-upload-pack" | "git-receive-pack";

/** What isomorphic-git is given as the URL: http, so it takes its smart-HTTP path, which this serves. */
export const SSH_BRIDGE_URL = "http://gitfleet-ssh.invalid/repository";
const FLUSH = Buffer.from("0000");
/** A ref advertisement larger than this is refused (a repository with ~400k refs). */
const MAX_ADVERTISEMENT = 32 * 1024 * 1024;

export interface SshGitTransportOptions {
  readonly ssh: SshClient;
  /** The repository path on the server. */
  readonly path: string;
  /** For messages: the URL as configured. */
  readonly location: string;
  /** Deadline of each request (advertisement, or the whole answer). */
  readonly timeoutMs: number;
}

export class SshGitTransport {
  readonly http: HttpClient;
  private readonly parked = new Map<Service, Session>();

  constructor(private readonly o: SshGitTransportOptions) {
    this.http = { request: (req) => this.request(req) };
  }

  get location(): string {
    return this.o.location;
  }

  /** End channels left waiting for a request (after every operation). */
  release(): void {
    for (const session of this.parked.values()) session.finish();
    this.parked.clear();
  }

  /** Close the SSH connection. */
  close(): void {
    this.release();
    this.o.ssh.close();
  }

  private async request(req: GitHttpRequest): Promise<GitHttpResponse> {
    const url = new URL(req.url);
    const method = req.method ?? "GET";
    if (method === "GET" && url.pathname.endsWith("/info/refs")) {
      const service = asService(url.searchParams.get("service"));
      this.parked.get(service)?.finish();
      this.parked.delete(service);
      const session = await this.open(service);
      const advertisement = await this.deadline(session, session.readAdvertisement());
      this.parked.set(service, session);
      const header = Buffer.concat([pktLine(`# service=${service}\n`), FLUSH]);
      return answer(req, `application/x-${service}-advertisement`, list([header, advertisement]));
    }
    if (method === "POST") {
      const service = asService(url.pathname.split("/").pop() ?? null);
      let session = this.parked.get(service);
      this.parked.delete(service);
      if (session === undefined) {
        // No advertisement read on this channel yet: read it and pass over it.
        session = await this.open(service);
        await this.deadline(session, session.readAdvertisement());
      }
      const current = session;
      const writing = current.send(req.body);
      writing.catch(() => current.kill());
      const controller = new AbortController();
      const timeout = this.timeoutError();
      const timer = setTimeout(() => {
        current.kill();
        controller.abort(timeout);
      }, this.o.timeoutMs);
      timer.unref();
      const body = guardBody(current.rest(), controller.signal, timeout, () => clearTimeout(timer));
      return answer(req, `application/x-${service}-result`, body);
    }
    throw new GitAdapterError("git-error", `unexpected Git request ${method} ${url.pathname} over SSH`);
  }

  private async open(service: Service): Promise<Session> {
    const channel = await this.o.ssh.exec(sshGitCommand(service, this.o.path));
    return new Session(channel, this.o.location);
  }

  private async deadline<T>(session: Session, work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        session.kill();
        reject(this.timeoutError());
      }, this.o.timeoutMs);
    });
    try {
      return await Promise.race([work, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  private timeoutError(): GitAdapterError {
    return new GitAdapterError(
      "git-timeout",
      `no answer from ${this.o.location} within ${this.o.timeoutMs} ms`,
    );
  }
}

/** One remote git-upload-pack / git-receive-pack: its stdout read in pkt-lines, then streamed. */
class Session {
  private buffered: Buffer = Buffer.alloc(0);
  private readonly chunks: AsyncIterator<Buffer>;
  private stderr = "";

  constructor(
    private readonly channel: ClientChannel,
    private readonly location: string,
  ) {
    this.chunks = (channel as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    channel.stderr.on("data", (d: Buffer) => {
      if (this.stderr.length < 4096) this.stderr += d.toString("utf8");
    });
  }

  /** The pkt-lines up to and including the first flush-pkt. */
  async readAdvertisement(): Promise<Buffer> {
    let offset = 0;
    for (;;) {
      while (this.buffered.length >= offset + 4) {
        const length = Number.parseInt(this.buffered.subarray(offset, offset + 4).toString("latin1"), 16);
        if (!Number.isInteger(length) || (length > 0 && length < 4)) throw this.failure("not a Git pkt-line");
        if (length === 0) {
          const advertisement = this.buffered.subarray(0, offset + 4);
          this.buffered = this.buffered.subarray(offset + 4);
          return advertisement;
        }
        if (this.buffered.length < offset + length) break;
        offset += length;
      }
      if (this.buffered.length > MAX_ADVERTISEMENT) throw this.failure("ref advertisement too large");
      const next = await this.chunks.next();
      if (next.done === true) throw this.failure("the server closed the channel");
      this.buffered = Buffer.concat([this.buffered, next.value]);
    }
  }

  /** Write the request, then end stdin: the command answers and exits. */
  async send(body: GitHttpRequest["body"]): Promise<void> {
    for await (const chunk of (body ?? []) as AsyncIterable<Uint8Array> | Iterable<Uint8Array>) {
      if (!this.channel.write(chunk)) await new Promise((resolve) => this.channel.once("drain", resolve));
    }
    this.channel.end();
  }

  /** What remains of stdout: the answer to the request. */
  async *rest(): AsyncIterableIterator<Uint8Array> {
    if (this.buffered.length > 0) yield this.buffered;
    this.buffered = Buffer.alloc(0);
    for (;;) {
      const next = await this.chunks.next();
      if (next.done === true) return;
      yield next.value;
    }
  }

  /** Nothing to ask: a flush-pkt ends the command cleanly. */
  finish(): void {
    this.channel.end(FLUSH);
  }

  kill(): void {
    this.channel.close();
  }

  private failure(what: string): GitAdapterError {
    const said = this.stderr.trim().split("\n")[0] ?? "";
    if (/does not appear to be a git repository|not found|no such|does not exist/i.test(said)) {
      return new GitAdapterError("git-repo-not-found", `no Git repository at ${this.location}: ${said}`);
    }
    return new GitAdapterError(
      "git-error",
      `Git over SSH to ${this.location} failed: ${what}${said !== "" ? `: ${said}` : ""}`,
    );
  }
}

function asService(name: string | null): Service {
  if (name === "git-upload-pack" || name === "git-receive-pack") return name;
  throw new GitAdapterError("git-error", `unknown Git service ${JSON.stringify(name)}`);
}

function pktLine(text: string): Buffer {
  const payload = Buffer.from(text, "utf8");
  return Buffer.concat([Buffer.from((payload.length + 4).toString(16).padStart(4, "0")), payload]);
}

async function* list(parts: readonly Buffer[]): AsyncIterableIterator<Uint8Array> {
  for (const p of parts) yield p;
}

function answer(
  req: GitHttpRequest,
  contentType: string,
  body: AsyncIterableIterator<Uint8Array>,
): GitHttpResponse {
  return {
    url: req.url,
    method: req.method ?? "GET",
    statusCode: 200,
    statusMessage: "OK",
    headers: { "content-type": contentType },
    body,
  };
}
