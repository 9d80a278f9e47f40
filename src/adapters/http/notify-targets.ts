// Where notices go, over HTTP: a generic JSON webhook signed with HMAC-SHA256,
// and the commit-status APIs of GitHub, Gitea/Forgejo and GitLab. Endpoints
// come only from the operator configuration; tokens and HMAC keys are read
// from the secret store's operator/ folder at each delivery (a rotated secret
// needs no restart) and never logged. Descriptions carry no links.

import { createHash, createHmac } from "node:crypto";
import type { CommitStatusConfig, NotifyWebhookConfig } from "../../config/index.js";
import { DeliveryError, type NoticeTarget } from "../../report/notifier.js";
import type { Notice, NoticeOutcome } from "../../report/transitions.js";
import type { SecretStore } from "../../ports/index.js";
import { redactCredentials } from "../../redact.js";

const TIMEOUT_MS = 10_000;
const USER_AGENT = "gitfleet";

/** The signature header of the generic webhook: sha256=<hex HMAC-SHA256 of the body>. */
export const SIGNATURE_HEADER = "X-Gitfleet-Signature-256";

export function webhookTarget(config: NotifyWebhookConfig, secrets: SecretStore): NoticeTarget {
  return {
    name: `webhook ${redactCredentials(config.url)}`,
    wants: () => true,
    async deliver(n) {
      const key = await operatorSecret(secrets, config.secret);
      const body = JSON.stringify({
        format_version: 1,
        id: deliveryId(n),
        cluster: n.cluster,
        outcome: n.outcome,
        ...(n.commit !== undefined ? { commit: n.commit } : {}),
        ...(n.service !== undefined ? { service: n.service } : {}),
        ...(n.host !== undefined ? { host: n.host } : {}),
        message: describe(n),
        at: new Date(n.at).toISOString(),
      });
      await post(config.url, body, {
        "X-Gitfleet-Event": n.outcome,
        // The same notice keeps its id across retries: receivers can drop repeats.
        "X-Gitfleet-Delivery": deliveryId(n),
        [SIGNATURE_HEADER]: `sha256=${createHmac("sha256", key).update(body).digest("hex")}`,
      });
    },
  };
}

type CommitState = "pending" | "success" | "failure";

const STATE: Partial<Record<NoticeOutcome, CommitState>> = {
  pending: "pending",
  applied: "success",
  rejected: "failure",
  "rolled-back": "failure",
  paused: "failure",
};

/**
 * A forge's commit status: pending while a commit is applied, then success or failure. Each
 * (commit, state) is posted once: two services rolled back in one commit are one failure.
 */
export function commitStatusTarget(config: CommitStatusConfig, secrets: SecretStore): NoticeTarget {
  const posted = new Set<string>();
  return {
    name: `${config.forge} commit status ${config.repository}`,
    wants: (n) => n.commit !== undefined && STATE[n.outcome] !== undefined,
    async deliver(n) {
      const state = STATE[n.outcome];
      const commit = n.commit;
      if (state === undefined || commit === undefined || posted.has(`${commit} ${state}`)) return;
      const token = await operatorSecret(secrets, config.token);
      const description = describe(n);
      const request = forgeRequest(config, commit, state, description, token);
      await post(request.url, JSON.stringify(request.body), request.headers);
      posted.add(`${commit} ${state}`);
      if (posted.size > 5_000) posted.delete(posted.values().next().value ?? "");
    },
  };
}

function forgeRequest(
  c: CommitStatusConfig,
  sha: string,
  state: CommitState,
  description: string,
  token: string,
): { url: string; body: object; headers: Record<string, string> } {
  const repo = c.repository.split("/").map(encodeURIComponent).join("/");
  switch (c.forge) {
    case "github":
      return {
        url: `${c.apiUrl}/repos/${repo}/statuses/${sha}`,
        body: { state, description, context: c.context },
        headers: {
          Authorization: `Bearer ${token}`,
          Accept: "application/vnd.github+json",
          "X-GitHub-Api-Version": "2022-11-28",
        },
      };
    case "gitea":
      return {
        url: `${c.apiUrl}/api/v1/repos/${repo}/statuses/${sha}`,
        body: { state, description, context: c.context },
        headers: { Authorization: `token ${token}` },
      };
    case "gitlab":
      return {
        url: `${c.apiUrl}/api/v4/projects/${encodeURIComponent(c.repository)}/statuses/${sha}`,
        body: { state: state === "failure" ? "failed" : state, name: c.context, description },
        headers: { "PRIVATE-TOKEN": token },
      };
  }
}

/** The notice's line for people, as a forge shows it: short, without links. */
export function describe(n: Notice): string {
  const text = `${n.cluster}: ${n.message}`
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/\S+/gi, "[link removed]")
    .replace(/\s+/g, " ")
    .trim();
  return text.length > 140 ? `${text.slice(0, 139)}…` : text;
}

function deliveryId(n: Notice): string {
  return createHash("sha256").update(`${n.cluster}\n${n.key}`).digest("hex").slice(0, 32);
}

async function operatorSecret(secrets: SecretStore, name: string): Promise<string> {
  const value = await secrets.get(`operator/${name}`);
  if (value === undefined || value === "")
    throw new DeliveryError(`secret operator/${name} is missing from the secret store`, true);
  return value;
}

async function post(url: string, body: string, headers: Record<string, string>): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      body,
      headers: { "Content-Type": "application/json", "User-Agent": USER_AGENT, ...headers },
      signal: AbortSignal.timeout(TIMEOUT_MS),
      redirect: "error",
    });
  } catch (err) {
    throw new DeliveryError(`${redactCredentials(url)}: ${errorText(err)}`, false);
  }
  await res.arrayBuffer().catch(() => undefined);
  if (res.ok) return;
  // Rate limits and server trouble pass; a refused token or an unknown repository does not.
  const permanent = res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429;
  throw new DeliveryError(`${redactCredentials(url)}: HTTP ${res.status}`, permanent);
}

function errorText(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}
