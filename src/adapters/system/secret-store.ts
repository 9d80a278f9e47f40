// The operator's secret store: a directory the operator owns (mode 0700 in
// production), one file per secret. Names may have folders ("h1/ca.pem" for a
// host's TLS directory, "registry-auth/10.0.0.1:5000"), never "..".

import { readFile } from "node:fs/promises";
import path from "node:path";
import type { SecretStore } from "../../model/ports.js";

export class SecretNameError extends Error {
  readonly code = "secret-name";
  constructor(readonly secretName: string) {
    super(`invalid secret name ${JSON.stringify(secretName)}: must be a relative path without "." or ".."`);
    this.name = "SecretNameError";
  }
}

// A segment may contain letters, digits and . _ - : @ + = (registry hosts
// have colons); "." and ".." alone are refused, so no name leaves the store.
const SEGMENT = /^[A-Za-z0-9_@:+=-][A-Za-z0-9._@:+=-]*$/;

export function isValidSecretName(name: string): boolean {
  if (name.length === 0 || name.length > 255) return false;
  return name.split("/").every((segment) => SEGMENT.test(segment) && segment !== "..");
}

export class DirectorySecretStore implements SecretStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = path.resolve(dir);
  }

  path(name: string): string {
    if (!isValidSecretName(name)) throw new SecretNameError(name);
    return path.join(this.dir, ...name.split("/"));
  }

  /** The secret's value, trimmed; undefined when there is no such file. */
  async get(name: string): Promise<string | undefined> {
    const file = this.path(name);
    try {
      return (await readFile(file, "utf8")).trim();
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  /** The raw bytes (PEM files, keys): no trimming. */
  async getBytes(name: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.path(name));
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR";
}
