// The sections that face outward (schema-valid by now): the metrics and probe
// listener (`metrics:`), what readiness means (`health:`), and where
// notifications and commit statuses go (`notifications:`). Outbound endpoints
// come only from here, the operator's own configuration: never from Git.
// Secrets are names in the secret store's operator/ folder, read when used.

import { parseDuration } from "../spec/units.js";
import type { Problem } from "./problem.js";
import type { ListenAddress } from "./types.js";

export interface MetricsConfig {
  /** /metrics, /healthz and /readyz (a listener of its own, never the webhook's). */
  readonly listen: ListenAddress;
}

export interface HealthConfig {
  /** /readyz fails while a pass runs longer than this, or when the last one did. */
  readonly passDeadlineMs: number;
  /** /readyz fails, and "Git unreachable" is notified, once Git has not answered for this long. */
  readonly gitStaleAfterMs: number;
}

export type ForgeKind = "github" | "gitea" | "gitlab";

export interface NotifyWebhookConfig {
  readonly url: string;
  /** Secret name under operator/ in the secret store: the HMAC-SHA256 key of the signature header. */
  readonly secret: string;
}

export interface CommitStatusConfig {
  readonly forge: ForgeKind;
  /** API base, e.g. https://api.github.com, https://gitea.example.com, https://gitlab.example.com. */
  readonly apiUrl: string;
  /** owner/name (GitLab: the project's path or numeric id). */
  readonly repository: string;
  /** Secret name under operator/ holding the API token. */
  readonly token: string;
  /** The status's context (GitLab: name); one per cluster. */
  readonly context: string;
}

export interface NotificationsConfig {
  readonly webhooks: readonly NotifyWebhookConfig[];
  readonly commitStatus: readonly CommitStatusConfig[];
}

/** Beside the webhook's 9000 and out of Prometheus' own (9090) and node_exporter's (9100). */
export const DEFAULT_METRICS_LISTEN = "127.0.0.1:9464";
export const DEFAULT_HEALTH: HealthConfig = { passDeadlineMs: 10 * 60_000, gitStaleAfterMs: 5 * 60_000 };
export const DEFAULT_STATUS_CONTEXT = "gitfleet";

type Raw = Record<string, unknown>;

const record = (v: unknown): Raw =>
  (typeof v === "object" && v !== null && !Array.isArray(v) ? v : {}) as Raw;
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

export function parseHealth(raw: unknown, problem: Problem): HealthConfig {
  const h = record(raw);
  const duration = (key: string, fallback: number): number => {
    const text = str(h[key]);
    if (text === undefined) return fallback;
    const d = parseDuration(text);
    if (!d.ok) problem(`/health/${key}`, "config-bad-duration", d.reason);
    else if (d.value < 1_000) problem(`/health/${key}`, "config-bad-duration", "must be at least 1s");
    return d.ok && d.value >= 1_000 ? d.value : fallback;
  };
  return {
    passDeadlineMs: duration("pass_deadline", DEFAULT_HEALTH.passDeadlineMs),
    gitStaleAfterMs: duration("git_stale_after", DEFAULT_HEALTH.gitStaleAfterMs),
  };
}

export function parseNotifications(raw: unknown, problem: Problem): NotificationsConfig | undefined {
  if (raw === undefined) return undefined;
  const n = record(raw);
  const list = (key: string): Raw[] => (Array.isArray(n[key]) ? (n[key] as unknown[]).map(record) : []);
  const webhooks = list("webhooks").map((w, i) => ({
    url: checkedUrl(str(w["url"]) ?? "", `/notifications/webhooks/${i}/url`, problem),
    secret: str(w["secret"]) ?? "",
  }));
  const commitStatus = list("commit_status").map((c, i) => {
    const forge = (str(c["forge"]) ?? "github") as ForgeKind;
    const fallback = forge === "github" ? "https://api.github.com" : "";
    const apiUrl = str(c["api_url"]) ?? fallback;
    if (apiUrl === "")
      problem(`/notifications/commit_status/${i}`, "config-missing-key", `missing required key "api_url"`);
    return {
      forge,
      apiUrl: apiUrl === "" ? "" : checkedUrl(apiUrl, `/notifications/commit_status/${i}/api_url`, problem),
      repository: str(c["repository"]) ?? "",
      token: str(c["token"]) ?? "",
      context: str(c["context"]) ?? DEFAULT_STATUS_CONTEXT,
    };
  });
  return { webhooks, commitStatus };
}

/** http(s) only, without credentials in it (they belong in the secret store), trailing slash dropped. */
function checkedUrl(text: string, pointer: string, problem: Problem): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    problem(pointer, "config-bad-url", "not a URL; write https://host/path");
    return text;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    problem(pointer, "config-bad-url", "must be an http(s) URL");
  if (url.username !== "" || url.password !== "")
    problem(
      pointer,
      "config-bad-url",
      "must not carry credentials; put the token in the secret store's operator/ folder",
    );
  return text.replace(/\/+$/, "");
}
