// The operations listener: GET /metrics (Prometheus text format), /healthz
// (liveness) and /readyz (readiness), on an address of its own, never the
// webhook's: a scraper or a probe needs no route to the forge-facing port.
// Bound to 127.0.0.1 unless configured otherwise. Read-only: anything but
// GET/HEAD on these paths is refused, and no request body is read.

import http from "node:http";
import type { AddressInfo } from "node:net";
import type { ProbeResult } from "../../report/probes.js";

export interface OpsServerOptions {
  readonly metrics: () => Promise<{ contentType: string; body: string }>;
  readonly live: () => ProbeResult;
  readonly ready: () => ProbeResult;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 0: any free port. */
  readonly port?: number;
  readonly onError?: (err: unknown) => void;
}

export class OpsServer {
  private server: http.Server | undefined;

  constructor(private readonly o: OpsServerOptions) {}

  async start(): Promise<{ readonly host: string; readonly port: number }> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    server.requestTimeout = 10_000;
    server.headersTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.o.port ?? 0, this.o.host ?? "127.0.0.1", () => resolve());
    });
    this.server = server;
    const a = server.address() as AddressInfo;
    return { host: a.address, port: a.port };
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    req.resume();
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const known = path === "/metrics" || path === "/healthz" || path === "/readyz";
    if (!known) return send(res, 404, "text/plain", "not found: try /metrics, /healthz or /readyz\n");
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("Allow", "GET, HEAD");
      return send(res, 405, "text/plain", "use GET\n");
    }
    try {
      if (path === "/metrics") {
        const m = await this.o.metrics();
        return send(res, 200, m.contentType, req.method === "HEAD" ? "" : m.body);
      }
      const probe = path === "/healthz" ? this.o.live() : this.o.ready();
      return send(
        res,
        probe.ok ? 200 : 503,
        "text/plain",
        `${probe.ok ? "ok" : "not ok"}: ${probe.reason}\n`,
      );
    } catch (err) {
      this.o.onError?.(err);
      return send(res, 500, "text/plain", "internal error\n");
    }
  }
}

function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { "Content-Type": type, "Cache-Control": "no-store" });
  res.end(body);
}
