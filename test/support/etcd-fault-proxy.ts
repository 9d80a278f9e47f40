// An HTTP proxy in front of a real etcd's JSON gateway, per operator instance,
// that can fail what a drill needs: every request (this instance cut off
// etcd: a dead leader cannot resign, its lease runs out as after kill -9) or
// only the reads of one key (etcd up for the lease, the suspend switch not
// readable), answered 503 (what a member without quorum answers) or never
// answered at all (a member that hangs: the caller's deadline has to end it).

import http from "node:http";
import type { AddressInfo } from "node:net";

export class EtcdFaultProxy {
  /** Every request fails. */
  down = false;
  /** Reads (/v3/kv/range) of this key fail. */
  failReadsOf: string | undefined;
  /** Reads (as failReadsOf) of this key are never answered. */
  hangReadsOf: string | undefined;
  /** Reads of failReadsOf answered 503, or of hangReadsOf left hanging, so far (proof the fault was hit). */
  failedReads = 0;

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(target: string): Promise<EtcdFaultProxy> {
    const holder: { proxy?: EtcdFaultProxy } = {};
    const server = http.createServer((req, res) => void holder.proxy?.handle(req, res, target));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    holder.proxy = new EtcdFaultProxy(server, `http://127.0.0.1:${port}`);
    return holder.proxy;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse, target: string): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    if (this.reads(this.hangReadsOf, req.url ?? "", body)) return; // closed by close()
    if (this.down || this.reads(this.failReadsOf, req.url ?? "", body)) {
      res.writeHead(503, { "content-type": "application/json" }).end('{"error":"injected: etcd down"}');
      return;
    }
    try {
      const up = await fetch(`${target}${req.url ?? ""}`, {
        method: req.method ?? "POST",
        headers: { "content-type": "application/json" },
        body,
        signal: AbortSignal.timeout(5_000),
      });
      res.writeHead(up.status, { "content-type": "application/json" }).end(await up.text());
    } catch {
      res.writeHead(503).end();
    }
  }

  /** Whether the request reads `key`: a range of it, or a transaction with a range of it. */
  private reads(key: string | undefined, url: string, body: string): boolean {
    if (key === undefined) return false;
    const k = Buffer.from(key, "utf8").toString("base64");
    const doc = JSON.parse(body || "{}") as {
      key?: string;
      success?: { request_range?: { key?: string } }[];
    };
    const hit =
      (url === "/v3/kv/range" && doc.key === k) ||
      (url === "/v3/kv/txn" && (doc.success ?? []).some((op) => op.request_range?.key === k));
    if (hit) this.failedReads++;
    return hit;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
