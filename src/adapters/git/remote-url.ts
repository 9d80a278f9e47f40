// The remote for a repository URL: smart HTTP(S) as it is, or an SSH address
// (ssh://… or user@host:path) through the SSH transport, with the deploy key
// and pinned host keys from `ssh` (the operator's secret store).

import type { SshMaterial } from "../ssh/client.js";
import { SshClient } from "../ssh/client.js";
import type { GitAuth } from "./auth.js";
import { GitAdapterError } from "./errors.js";
import type { SyncProgress } from "./pack-fetch.js";
import { HttpRemote } from "./remote-http.js";
import { SSH_BRIDGE_URL, SshGitTransport } from "./ssh-transport.js";
import { isSshRepoUrl, parseSshRepoUrl } from "./ssh-url.js";

export interface UrlLocation {
  readonly url: string;
  /** HTTP(S) credentials. */
  readonly auth?: GitAuth;
  /** SSH: the deploy key and known_hosts, read for every new connection. */
  readonly ssh?: () => Promise<SshMaterial>;
}

export interface UrlRemoteOptions {
  readonly gitdir: string;
  readonly timeoutMs?: number;
  /** History depth of the first fetch into an empty cache (default 1). */
  readonly initialDepth?: number;
  /** Progress of the first fetch into an empty cache. */
  readonly onProgress?: (p: SyncProgress) => void;
  /** The first fetch answers before its pack index is complete (the caller runs `settle`). */
  readonly deferIndex?: boolean;
}

export function urlRemote(repo: UrlLocation, o: UrlRemoteOptions): HttpRemote {
  const timeoutMs = o.timeoutMs ?? 10_000;
  if (!isSshRepoUrl(repo.url)) {
    return new HttpRemote({
      url: repo.url,
      gitdir: o.gitdir,
      ...(repo.auth ? { auth: repo.auth } : {}),
      timeoutMs,
      ...(o.initialDepth !== undefined ? { initialDepth: o.initialDepth } : {}),
      ...(o.onProgress !== undefined ? { onProgress: o.onProgress } : {}),
      ...(o.deferIndex !== undefined ? { deferIndex: o.deferIndex } : {}),
    });
  }
  const target = parseSshRepoUrl(repo.url);
  if (target === undefined)
    throw new GitAdapterError("git-config-invalid", `not an SSH Git address: ${repo.url}`);
  if (repo.ssh === undefined) {
    throw new GitAdapterError(
      "git-config-invalid",
      `${repo.url} needs an SSH key and known_hosts (secret store)`,
    );
  }
  const ssh = new SshClient({ target, material: repo.ssh, readyTimeoutMs: timeoutMs });
  const transport = new SshGitTransport({ ssh, path: target.path, location: repo.url, timeoutMs });
  return new HttpRemote({
    url: SSH_BRIDGE_URL,
    gitdir: o.gitdir,
    timeoutMs,
    transport,
    ...(o.initialDepth !== undefined ? { initialDepth: o.initialDepth } : {}),
    ...(o.onProgress !== undefined ? { onProgress: o.onProgress } : {}),
    ...(o.deferIndex !== undefined ? { deferIndex: o.deferIndex } : {}),
  });
}
