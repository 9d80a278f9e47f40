import { createHmac } from "node:crypto";
import http from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WebhookServer } from "../../../src/adapters/http/webhook.js";

const SECRET = "webhook-shared-secret";
const PUSH = JSON.stringify({ ref: "refs/heads/main", after: "0123456789abcdef0123456789abcdef01234567" });

function hubSignature(body: string | Buffer, secret = SECRET): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

interface Reply {
  readonly status: number;
  readonly body: string;
}

/** A raw request with node:http, so the body can be streamed without a length. */
function send(
  port: number,
  options: {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: Buffer | string;
    chunked?: boolean;
  },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : Buffer.from(options.body);
    const headers: Record<string, string> = { ...options.headers };
    if (body && !options.chunked) headers["Content-Length"] = String(body.length);
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        method: options.method ?? "POST",
        path: options.path ?? "/webhook",
        headers,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    // The server may close while a refused body is still being sent; the answer already arrived.
    req.on("error", (err) => (req.writableFinished ? undefined : reject(err)));
    if (body && options.chunked) {
      for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.subarray(i, i + 64 * 1024));
      req.end();
    } else {
      req.end(body);
    }
  });
}

describe("webhook endpoint", () => {
  let server: WebhookServer;
  let port: number;
  let pushes: number;

  beforeEach(async () => {
    pushes = 0;
    server = new WebhookServer({ secret: SECRET, onPush: () => (pushes += 1) });
    ({ port } = await server.start());
  });
  afterEach(async () => server.stop());

  it("accepts a GitHub push signed with the shared secret and marks a sync as due", async () => {
    const reply = await send(port, {
      headers: {
        "X-Hub-Signature-256": hubSignature(PUSH),
        "X-GitHub-Event": "push",
        "Content-Type": "application/json",
      },
      body: PUSH,
    });
    expect(reply.status).toBe(202);
    expect(pushes).toBe(1);
  });

  it("accepts Gitea/Forgejo signatures and the GitLab token", async () => {
    const gitea = await send(port, {
      headers: { "X-Gitea-Signature": hubSignature(PUSH).slice(7) },
      body: PUSH,
    });
    const gitlab = await send(port, {
      headers: { "X-Gitlab-Token": SECRET, "X-Gitlab-Event": "Push Hook" },
      body: PUSH,
    });
    expect([gitea.status, gitlab.status]).toEqual([202, 202]);
    expect(pushes).toBe(2);
  });

  it("refuses bad and missing signatures with 401 and triggers nothing", async () => {
    const replies = await Promise.all([
      send(port, { headers: { "X-Hub-Signature-256": hubSignature(PUSH, "wrong-secret") }, body: PUSH }),
      send(port, { headers: { "X-Hub-Signature-256": hubSignature(`${PUSH} `) }, body: PUSH }),
      send(port, { headers: { "X-Hub-Signature-256": "sha256=zz" }, body: PUSH }),
      send(port, { headers: { "X-Gitlab-Token": `${SECRET}x` }, body: PUSH }),
      send(port, { body: PUSH }),
    ]);
    expect(replies.map((r) => r.status)).toEqual([401, 401, 401, 401, 401]);
    expect(replies[4]?.body).toContain("missing-signature");
    expect(pushes).toBe(0);
  });

  it("refuses a body over 1 MB with 413, announced or streamed, and triggers nothing", async () => {
    const big = Buffer.alloc(1024 * 1024 + 1, 0x61);
    const signed = { "X-Hub-Signature-256": hubSignature(big) };
    const announced = await send(port, { headers: signed, body: big });
    const streamed = await send(port, { headers: signed, body: big, chunked: true });
    expect([announced.status, streamed.status]).toEqual([413, 413]);
    expect(pushes).toBe(0);

    const justFits = Buffer.alloc(1024 * 1024, 0x61);
    const ok = await send(port, {
      headers: { "X-Hub-Signature-256": hubSignature(justFits) },
      body: justFits,
    });
    expect(ok.status).toBe(202);
  });

  it("answers health checks, pings, wrong paths and wrong methods without triggering", async () => {
    const health = await send(port, { method: "GET", path: "/healthz" });
    const ping = await send(port, {
      headers: { "X-Hub-Signature-256": hubSignature("{}"), "X-GitHub-Event": "ping" },
      body: "{}",
    });
    const wrongPath = await send(port, { path: "/other", body: PUSH });
    const wrongMethod = await send(port, { method: "GET" });
    expect([health.status, ping.status, wrongPath.status, wrongMethod.status]).toEqual([200, 200, 404, 405]);
    expect(pushes).toBe(0);
  });

  it("listens where it is told", async () => {
    const other = new WebhookServer({
      secret: SECRET,
      onPush: () => undefined,
      host: "127.0.0.1",
      port: 0,
      path: "/hooks/git",
    });
    const address = await other.start();
    try {
      expect(address.host).toBe("127.0.0.1");
      const reply = await send(address.port, {
        path: "/hooks/git",
        headers: { "X-Gitlab-Token": SECRET },
        body: PUSH,
      });
      expect(reply.status).toBe(202);
    } finally {
      await other.stop();
    }
  });
});
