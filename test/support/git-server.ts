// A real smart-HTTP Git server for tests: a small node:http server that runs
// git's own `git http-backend` as a CGI over bare repositories under `root`,
// behind basic auth. Tests can stop and restart it (outages), slow it down,
// hook into requests (concurrent pushes) and count requests by kind (to
// assert that a poll did not fetch).

import { spawn } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";

export type RequestKind = "info-refs-upload" | "info-refs-receive" | "upload-pack" | "receive-pack" | "other";

export interface GitServerOptions {
  /** Directory holding the bare repositories (GIT_PROJECT_ROOT). */
  readonly root: string;
  /** user → password; every request must authenticate as one of them. */
  readonly users?: Readonly<Record<string, string>>;
}

export class GitTestServer {
  /** Artificial delay before a request is answered, in ms (0 = none). */
  delayMs = 0;
  /** When set, every authenticated request is answered with this HTTP status. */
  failStatus: number | undefined;
  /** Runs before an authenticated request reaches git http-backend. */
  beforeRequest: ((kind: RequestKind, repo: string) => Promise<void>) | undefined;
  private counts = new Map<RequestKind, number>();
  private sent = new Map<RequestKind, number>();
  private unauthorized = 0;
  private server: http.Server | undefined;
  private port = 0;

  private constructor(private readonly options: GitServerOptions) {}

  static async start(options: GitServerOptions): Promise<GitTestServer> {
    const server = new GitTestServer(options);
    await server.resume();
    return server;
  }

  /** Base URL of a repository, e.g. http://127.0.0.1:PORT/specs.git */
  url(repo: string): string {
    return `http://127.0.0.1:${this.port}/${repo}`;
  }

  count(kind: RequestKind): number {
    return this.counts.get(kind) ?? 0;
  }

  /** Response body bytes sent for requests of this kind. */
  bytes(kind: RequestKind): number {
    return this.sent.get(kind) ?? 0;
  }

  get unauthorizedCount(): number {
    return this.unauthorized;
  }

  resetCounts(): void {
    this.counts.clear();
    this.sent.clear();
    this.unauthorized = 0;
  }

  /** Listen again (on the same port after the first start). */
  async resume(): Promise<void> {
    if (this.server) return;
    const server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stop listening and cut every open connection: the server is "down". */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://localhost");
    const kind = requestKind(req.method ?? "GET", url);
    const user = this.authenticate(req.headers.authorization);
    if (user === undefined) {
      this.unauthorized += 1;
      req.resume();
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="git"', "Content-Type": "text/plain" });
      res.end("authentication required\n");
      return;
    }
    this.counts.set(kind, this.count(kind) + 1);
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
    if (this.failStatus !== undefined) {
      req.resume();
      res.writeHead(this.failStatus, { "Content-Type": "text/plain" });
      res.end("failing on purpose\n");
      return;
    }
    if (this.beforeRequest) await this.beforeRequest(kind, url.pathname.split("/")[1] ?? "");
    this.runBackend(req, res, url, user, (n) => this.sent.set(kind, this.bytes(kind) + n));
  }

  private authenticate(header: string | undefined): string | undefined {
    const users = this.options.users;
    if (!users) return "anonymous";
    const match = /^Basic (.+)$/i.exec(header ?? "");
    if (!match?.[1]) return undefined;
    const decoded = Buffer.from(match[1], "base64").toString("utf8");
    const sep = decoded.indexOf(":");
    const name = decoded.slice(0, sep);
    return sep > 0 && users[name] === decoded.slice(sep + 1) ? name : undefined;
  }

  private runBackend(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    user: string,
    onBytes: (n: number) => void,
  ): void {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env["PATH"],
      GIT_PROJECT_ROOT: this.options.root,
      GIT_HTTP_EXPORT_ALL: "1",
      REMOTE_USER: user,
      REMOTE_ADDR: req.socket.remoteAddress ?? "127.0.0.1",
      REQUEST_METHOD: req.method ?? "GET",
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.replace(/^\?/, ""),
      CONTENT_TYPE: req.headers["content-type"] ?? "",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "http.receivepack",
      GIT_CONFIG_VALUE_0: "true",
    };
    if (req.headers["content-length"]) env["CONTENT_LENGTH"] = req.headers["content-length"];
    if (req.headers["content-encoding"]) env["HTTP_CONTENT_ENCODING"] = req.headers["content-encoding"];
    if (req.headers["git-protocol"]) env["GIT_PROTOCOL"] = String(req.headers["git-protocol"]);
    const child = spawn("git", ["http-backend"], { env, stdio: ["pipe", "pipe", "pipe"] });
    req.pipe(child.stdin);
    child.stdin.on("error", () => undefined);
    child.stderr.resume();
    let head = Buffer.alloc(0);
    let headersDone = false;
    child.stdout.on("data", (chunk: Buffer) => {
      if (headersDone) {
        onBytes(chunk.length);
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const split = headerEnd(head);
      if (!split) return;
      headersDone = true;
      const { status, headers } = parseCgiHeaders(head.subarray(0, split.start).toString("latin1"));
      res.writeHead(status, headers);
      onBytes(head.length - split.end);
      res.write(head.subarray(split.end));
    });
    child.stdout.on("end", () => {
      if (!headersDone) res.writeHead(502);
      res.end();
    });
    child.on("error", () => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
    res.on("close", () => child.kill());
  }
}

function requestKind(method: string, url: URL): RequestKind {
  const service = url.searchParams.get("service");
  if (method === "GET" && url.pathname.endsWith("/info/refs")) {
    if (service === "git-upload-pack") return "info-refs-upload";
    if (service === "git-receive-pack") return "info-refs-receive";
  }
  if (method === "POST" && url.pathname.endsWith("/git-upload-pack")) return "upload-pack";
  if (method === "POST" && url.pathname.endsWith("/git-receive-pack")) return "receive-pack";
  return "other";
}

function headerEnd(buf: Buffer): { start: number; end: number } | undefined {
  const crlf = buf.indexOf("\r\n\r\n");
  if (crlf >= 0) return { start: crlf, end: crlf + 4 };
  const lf = buf.indexOf("\n\n");
  return lf >= 0 ? { start: lf, end: lf + 2 } : undefined;
}

function parseCgiHeaders(text: string): { status: number; headers: Record<string, string> } {
  let status = 200;
  const headers: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const sep = line.indexOf(":");
    if (sep <= 0) continue;
    const name = line.slice(0, sep).trim();
    const value = line.slice(sep + 1).trim();
    if (name.toLowerCase() === "status") status = Number.parseInt(value, 10) || 200;
    else headers[name] = value;
  }
  return { status, headers };
}
