// The webhook trigger: an HTTP endpoint for push notifications. An
// authenticated POST only marks a sync as due (onPush) and is answered 202 at
// once; the sync itself re-reads the repository, as every trigger does. A bad
// or missing signature gets 401 and triggers nothing; a body over the limit
// gets 413. GET /healthz answers 200 for liveness probes.

import http from "node:http";
import type { AddressInfo } from "node:net";
import { silentLogger, type Logger } from "../../ports/logger.js";
import { verifyWebhook } from "./webhook-auth.js";

export interface WebhookServerOptions {
  /** Shared secret configured on the forge (from the secret store; never logged). */
  readonly secret: string;
  /** Marks a sync as due. Must not block: it is called on the request path. */
  readonly onPush: () => void;
  /** Default: silent (the process passes its own). */
  readonly logger?: Logger;
  /** Listen address (default 127.0.0.1) and port (default 0: any free port). */
  readonly host?: string;
  readonly port?: number;
  /** Path of the POST endpoint (default /webhook). */
  readonly path?: string;
  /** Largest accepted body (default 1 MiB). */
  readonly maxBodyBytes?: number;
}

export const DEFAULT_MAX_BODY = 1024 * 1024;

export class WebhookServer {
  private server: http.Server | undefined;

  constructor(private readonly options: WebhookServerOptions) {
    if (!options.secret) throw new Error("the webhook needs a non-empty secret");
  }

  /** Start listening; resolves to the bound address. */
  async start(): Promise<{ readonly host: string; readonly port: number }> {
    const server = http.createServer((req, res) => this.handle(req, res));
    server.requestTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.options.port ?? 0, this.options.host ?? "127.0.0.1", () => resolve());
    });
    this.server = server;
    const address = server.address() as AddressInfo;
    return { host: address.address, port: address.port };
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname === "/healthz" && (req.method === "GET" || req.method === "HEAD")) {
      return reply(res, 200, { ok: true });
    }
    if (url.pathname !== (this.options.path ?? "/webhook"))
      return drain(req, res, 404, { error: "not found" });
    if (req.method !== "POST") return drain(req, res, 405, { error: "use POST" });
    const limit = this.options.maxBodyBytes ?? DEFAULT_MAX_BODY;
    if (Number(req.headers["content-length"] ?? 0) > limit)
      return drain(req, res, 413, { error: "body too large" });
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on("data", (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > limit) {
        refused = true;
        drain(req, res, 413, { error: "body too large" });
        return;
      }
      chunks.push(chunk);
    });
    req.on("error", () => res.destroy());
    req.on("end", () => {
      if (refused) return;
      const verdict = verifyWebhook(this.options.secret, req.headers, Buffer.concat(chunks));
      if (!verdict.ok) {
        (this.options.logger ?? silentLogger).warn(
          { reason: verdict.reason, remote: req.socket.remoteAddress },
          "webhook: refused",
        );
        return reply(res, 401, { error: verdict.reason });
      }
      const event =
        req.headers["x-github-event"] ?? req.headers["x-gitea-event"] ?? req.headers["x-gitlab-event"];
      if (event === "ping") return reply(res, 200, { ok: true, ping: true });
      this.options.onPush();
      reply(res, 202, { ok: true, sync: "due" });
    });
  }
}

function reply(res: http.ServerResponse, status: number, body: object): void {
  if (res.headersSent) return;
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(`${JSON.stringify(body)}\n`);
}

/** Answer now and discard the rest of the body, so the client reads the answer instead of a reset. */
function drain(req: http.IncomingMessage, res: http.ServerResponse, status: number, body: object): void {
  res.setHeader("Connection", "close");
  reply(res, status, body);
  req.resume();
}
