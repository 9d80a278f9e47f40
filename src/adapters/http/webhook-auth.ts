// Authenticates push notifications from Git forges: GitHub, Gitea and Forgejo
// sign the raw body with HMAC-SHA256 (X-Hub-Signature-256: sha256=<hex>;
// Gitea and Forgejo also send the bare hex in their own header), GitLab sends
// the shared secret itself (X-Gitlab-Token). Every comparison is constant-time.

import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

export type WebhookVerdict =
  | { readonly ok: true; readonly scheme: "hmac-sha256" | "gitlab-token" }
  | { readonly ok: false; readonly reason: "missing-signature" | "bad-signature" };

const HMAC_HEADERS = ["x-hub-signature-256", "x-gitea-signature", "x-forgejo-signature"] as const;

export function verifyWebhook(secret: string, headers: IncomingHttpHeaders, body: Buffer): WebhookVerdict {
  for (const name of HMAC_HEADERS) {
    const value = headers[name];
    if (typeof value !== "string") continue;
    const hex = value.startsWith("sha256=") ? value.slice("sha256=".length) : value;
    const expected = createHmac("sha256", secret).update(body).digest();
    const given = /^[0-9a-f]{64}$/i.test(hex) ? Buffer.from(hex, "hex") : Buffer.alloc(0);
    const ok = given.length === expected.length && timingSafeEqual(given, expected);
    return ok ? { ok: true, scheme: "hmac-sha256" } : { ok: false, reason: "bad-signature" };
  }
  const token = headers["x-gitlab-token"];
  if (typeof token === "string") {
    // Hash both sides so the comparison does not leak the secret's length.
    const ok = timingSafeEqual(sha256(token), sha256(secret));
    return ok ? { ok: true, scheme: "gitlab-token" } : { ok: false, reason: "bad-signature" };
  }
  return { ok: false, reason: "missing-signature" };
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}
