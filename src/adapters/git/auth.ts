// Credentials for the Git server come from the operator's configuration (a
// credentials file, the environment or the secret store), never from Git
// itself (no credential helpers, no config). They are sent as a basic
// Authorization header on the first request, so a poll stays one request
// instead of a 401 round trip, and they are never logged.

import type { SecretStore } from "../../ports/index.js";
import { readSecretFile, SecretModeError } from "../system/secret-files.js";
import { GitAdapterError } from "./errors.js";

export interface GitCredentials {
  readonly username?: string;
  /** Password for basic auth. */
  readonly password?: string;
  /** A personal access token; sent as the basic-auth password (GitHub, Gitea, Forgejo, GitLab accept this). */
  readonly token?: string;
}

/** Called before each request batch, so rotated credentials are picked up without a restart. */
export type CredentialsProvider = () => Promise<GitCredentials | undefined>;

export type GitAuth = GitCredentials | CredentialsProvider;

export const ENV_USERNAME = "GITFLEET_GIT_USERNAME";
export const ENV_PASSWORD = "GITFLEET_GIT_PASSWORD";
export const ENV_TOKEN = "GITFLEET_GIT_TOKEN";

export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): GitCredentials | undefined {
  return normalise({ username: env[ENV_USERNAME], password: env[ENV_PASSWORD], token: env[ENV_TOKEN] });
}

/** A JSON file: {"username": "...", "password": "..."} or {"token": "..."} (username optional). */
export function credentialsFromFile(file: string): CredentialsProvider {
  return async () => {
    let parsed: unknown;
    try {
      parsed = JSON.parse((await readSecretFile(file)).toString("utf8"));
    } catch (err) {
      if (err instanceof SecretModeError) throw new GitAdapterError("git-credentials-invalid", err.message);
      const reason = (err as { code?: string }).code ?? "not valid JSON";
      throw new GitAdapterError(
        "git-credentials-invalid",
        `cannot read Git credentials file ${file}: ${reason}`,
      );
    }
    return parseCredentials(parsed, `Git credentials file ${file}`);
  };
}

/** A secret holding the same JSON as a credentials file, or a bare token. */
export function credentialsFromSecretStore(store: SecretStore, name: string): CredentialsProvider {
  return async () => {
    const value = await store.get(name);
    if (value === undefined) return undefined;
    const trimmed = value.trim();
    if (!trimmed.startsWith("{")) return { token: trimmed };
    try {
      return parseCredentials(JSON.parse(trimmed), `secret ${name}`);
    } catch (err) {
      if (err instanceof GitAdapterError) throw err;
      throw new GitAdapterError("git-credentials-invalid", `secret ${name} is not valid JSON credentials`);
    }
  };
}

export async function resolveCredentials(auth: GitAuth | undefined): Promise<GitCredentials | undefined> {
  if (auth === undefined) return undefined;
  return typeof auth === "function" ? auth() : auth;
}

/** HTTP headers carrying the credentials (empty when there are none). */
export function authHeaders(creds: GitCredentials | undefined): Record<string, string> {
  if (!creds) return {};
  const password = creds.token ?? creds.password;
  if (password === undefined) return {};
  // GitHub wants a non-empty username with a token; the value itself is ignored.
  const username = creds.username ?? (creds.token !== undefined ? "x-access-token" : "");
  return { Authorization: `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}` };
}

function parseCredentials(value: unknown, where: string): GitCredentials {
  if (typeof value !== "object" || value === null) {
    throw new GitAdapterError("git-credentials-invalid", `${where} must be a JSON object`);
  }
  const v = value as Record<string, unknown>;
  const pick = (key: string): string | undefined => {
    const x = v[key];
    if (x === undefined) return undefined;
    if (typeof x !== "string")
      throw new GitAdapterError("git-credentials-invalid", `${where}: ${key} must be a string`);
    return x;
  };
  const creds = normalise({ username: pick("username"), password: pick("password"), token: pick("token") });
  if (!creds) throw new GitAdapterError("git-credentials-invalid", `${where} has neither password nor token`);
  return creds;
}

function normalise(raw: {
  username: string | undefined;
  password: string | undefined;
  token: string | undefined;
}): GitCredentials | undefined {
  if (!raw.password && !raw.token) return undefined;
  return {
    ...(raw.username ? { username: raw.username } : {}),
    ...(raw.password ? { password: raw.password } : {}),
    ...(raw.token ? { token: raw.token } : {}),
  };
}
