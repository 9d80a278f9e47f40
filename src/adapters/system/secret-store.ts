// The operator's secret store: a directory the operator owns (mode 0700), one
// file per secret (mode 0600: a group/world readable one is refused). Names
// may have folders, never "..". Namespaces keep what the repository may name
// apart from what only the operator uses:
//
//   env/<name>                   application secrets: the only ones env_secrets can name
//   <tls-dir>/ca.pem|cert.pem|key.pem|id_key   a host's TLS (or SSH) material (hosts[].tls)
//   registry-auth/<registry>     registry credentials
//   operator/<name>              the operator's own keys (label-key for secret hashes)
//
// Migration: a store without an env/ folder is the layout before namespaces
// (application secrets at the top). It is still read, but a name that points
// at reserved material (a folder holding TLS files, registry-auth/, operator/)
// is refused. Move application secrets into env/ to leave that mode:
// `mkdir -m 700 env && mv <each application secret> env/`.

import { stat } from "node:fs/promises";
import path from "node:path";
import type { SecretStore } from "../../ports/index.js";
import { readSecretFile } from "./secret-files.js";

export const APP_SECRETS_DIR = "env";
const RESERVED_TOP = new Set(["registry-auth", "operator", "tls", "ssh"]);
const HOST_FILES = ["ca.pem", "cert.pem", "key.pem", "id_key", "known_hosts"];

export class SecretNameError extends Error {
  readonly code = "secret-name";
  constructor(readonly secretName: string) {
    super(`invalid secret name ${JSON.stringify(secretName)}: must be a relative path without "." or ".."`);
    this.name = "SecretNameError";
  }
}

export class SecretNamespaceError extends Error {
  readonly code = "secret-namespace";
  constructor(readonly secretName: string) {
    super(
      `secret ${JSON.stringify(secretName)} is host TLS material, a registry credential or an operator key, not an application secret`,
    );
    this.name = "SecretNamespaceError";
  }
}

// A segment may contain letters, digits and . _ - : @ + = (registry hosts
// have colons); "." and ".." alone are refused, so no name leaves the store.
const SEGMENT = /^[A-Za-z0-9_@:+=-][A-Za-z0-9._@:+=-]*$/;

export function isValidSecretName(name: string): boolean {
  if (name.length === 0 || name.length > 255) return false;
  return name.split("/").every((segment) => SEGMENT.test(segment) && segment !== "..");
}

export interface SecretStoreOptions {
  /** Told once when application secrets are read from the layout before namespaces. */
  readonly onLegacyLayout?: (message: string) => void;
}

export class DirectorySecretStore implements SecretStore {
  readonly dir: string;
  private warned = false;

  constructor(
    dir: string,
    private readonly options: SecretStoreOptions = {},
  ) {
    this.dir = path.resolve(dir);
  }

  path(name: string): string {
    if (!isValidSecretName(name)) throw new SecretNameError(name);
    return path.join(this.dir, ...name.split("/"));
  }

  /** The secret's value, trimmed; undefined when there is no such file. */
  async get(name: string): Promise<string | undefined> {
    return (await this.getBytes(name))?.toString("utf8").trim();
  }

  /** The raw bytes (PEM files, keys): no trimming. */
  async getBytes(name: string): Promise<Buffer | undefined> {
    try {
      return await readSecretFile(this.path(name));
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  /** An application secret (what env_secrets names): from env/, never from another namespace. */
  async getApplication(name: string): Promise<string | undefined> {
    if (!isValidSecretName(name)) throw new SecretNameError(name);
    if (await this.isDir(APP_SECRETS_DIR)) return this.get(`${APP_SECRETS_DIR}/${name}`);
    if (await this.isReserved(name)) throw new SecretNamespaceError(name);
    if (!this.warned) {
      this.warned = true;
      this.options.onLegacyLayout?.(
        `secret store ${this.dir} has no ${APP_SECRETS_DIR}/ folder: application secrets are read from its top level (layout before namespaces); move them into ${APP_SECRETS_DIR}/`,
      );
    }
    return this.get(name);
  }

  private async isReserved(name: string): Promise<boolean> {
    const segments = name.split("/");
    const first = segments[0] ?? "";
    if (RESERVED_TOP.has(first) || name === APP_SECRETS_DIR) return true;
    if (HOST_FILES.includes(segments[segments.length - 1] ?? "")) return true;
    // A folder holding a host's TLS files is a TLS directory, whatever its name.
    if (segments.length > 1) {
      for (const f of HOST_FILES) if (await this.exists(`${first}/${f}`)) return true;
    }
    return false;
  }

  private async isDir(name: string): Promise<boolean> {
    return (await stat(this.path(name)).catch(() => undefined))?.isDirectory() ?? false;
  }

  private async exists(name: string): Promise<boolean> {
    return (await stat(this.path(name)).catch(() => undefined)) !== undefined;
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR";
}
