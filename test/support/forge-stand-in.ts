// A stand-in for a forge's commit-status API, as GitHub and Gitea/Forgejo
// document it: GitHub `POST /repos/{owner}/{repo}/statuses/{sha}` (Bearer
// token, state error|failure|pending|success, answers 201 with the status),
// Gitea `POST /api/v1/repos/{owner}/{repo}/statuses/{sha}` (`token` auth,
// state pending|success|error|failure|warning, 201). It checks what a real
// forge would refuse (token, JSON body, state, a full commit id) and records
// every status it accepted; it can answer the first requests 502 to make the
// client retry. Also a generic receiver for signed JSON webhooks.

import http from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedStatus {
  readonly forge: "github" | "gitea";
  readonly repo: string;
  readonly sha: string;
  readonly state: string;
  readonly description: string;
  readonly context: string;
}

export interface RecordedHook {
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

const STATES = {
  github: new Set(["error", "failure", "pending", "success"]),
  gitea: new Set(["pending", "success", "error", "failure", "warning"]),
};

export class ForgeStandIn {
  readonly statuses: RecordedStatus[] = [];
  readonly hooks: RecordedHook[] = [];
  /** Answer this many of the next requests with 502 (a forge having a bad minute). */
  failNext = 0;
  requests = 0;
  private server: http.Server | undefined;
  port = 0;

  constructor(private readonly tokens: { github: string; gitea: string }) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => this.handle(req, Buffer.concat(chunks).toString("utf8"), res));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The states posted for a commit, in order. */
  states(forge: "github" | "gitea", sha: string): string[] {
    return this.statuses.filter((s) => s.forge === forge && s.sha === sha).map((s) => s.state);
  }

  private handle(req: http.IncomingMessage, body: string, res: http.ServerResponse): void {
    this.requests++;
    if (this.failNext > 0) {
      this.failNext--;
      return json(res, 502, { message: "Bad Gateway" });
    }
    const url = new URL(req.url ?? "/", "http://x");
    if (req.method === "POST" && url.pathname === "/hook") {
      this.hooks.push({ headers: req.headers, body });
      return json(res, 204, undefined);
    }
    const gh = /^\/repos\/([^/]+)\/([^/]+)\/statuses\/([^/]+)$/.exec(url.pathname);
    const gt = /^\/api\/v1\/repos\/([^/]+)\/([^/]+)\/statuses\/([^/]+)$/.exec(url.pathname);
    const m = gh ?? gt;
    if (req.method !== "POST" || m === null) return json(res, 404, { message: "Not Found" });
    const forge = gh !== null ? "github" : "gitea";
    const auth = req.headers.authorization ?? "";
    const want = forge === "github" ? `Bearer ${this.tokens.github}` : `token ${this.tokens.gitea}`;
    if (auth !== want) return json(res, 401, { message: "Bad credentials" });
    if (!(req.headers["content-type"] ?? "").startsWith("application/json"))
      return json(res, 415, { message: "Unsupported Media Type" });
    let parsed: { state?: unknown; description?: unknown; context?: unknown; target_url?: unknown };
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      return json(res, 400, { message: "Problems parsing JSON" });
    }
    const sha = m[3] ?? "";
    if (typeof parsed.state !== "string" || !STATES[forge].has(parsed.state) || !/^[0-9a-f]{40}$/.test(sha))
      return json(res, 422, { message: "Validation Failed" });
    const status: RecordedStatus = {
      forge,
      repo: `${m[1]}/${m[2]}`,
      sha,
      state: parsed.state,
      description: typeof parsed.description === "string" ? parsed.description : "",
      context: typeof parsed.context === "string" ? parsed.context : "default",
    };
    this.statuses.push(status);
    json(res, 201, { id: this.statuses.length, ...status, target_url: parsed.target_url ?? null });
  }
}

function json(res: http.ServerResponse, status: number, body: object | undefined): void {
  res.writeHead(status, body === undefined ? {} : { "Content-Type": "application/json" });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}
