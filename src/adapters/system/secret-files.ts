// Files holding credentials are refused when group or others may read them,
// as ssh refuses a private key: a secret another local user can read is no
// longer a secret. Public material (certificates, known_hosts, *.pub) is
// exempt. The message says which mode to set.

import { readFile, stat } from "node:fs/promises";
import path from "node:path";

const PUBLIC_FILES = new Set(["ca.pem", "cert.pem", "known_hosts"]);

export class SecretModeError extends Error {
  readonly code = "secret-mode";
  constructor(
    readonly file: string,
    readonly mode: number,
  ) {
    super(
      `${file} is readable by group or others (mode ${(mode & 0o777).toString(8).padStart(4, "0")}): it holds a secret; run chmod 600 ${file}`,
    );
    this.name = "SecretModeError";
  }
}

export function isPublicMaterial(file: string): boolean {
  const base = path.basename(file);
  return PUBLIC_FILES.has(base) || base.endsWith(".pub");
}

/** Throws SecretModeError when the file is group/world readable (errors of stat pass through). */
export async function checkSecretMode(file: string): Promise<void> {
  if (isPublicMaterial(file)) return;
  const s = await stat(file);
  // Not a file (a folder): left to the reader, which fails as for a missing secret.
  if (s.isFile() && (s.mode & 0o044) !== 0) throw new SecretModeError(file, s.mode);
}

export async function readSecretFile(file: string): Promise<Buffer> {
  await checkSecretMode(file);
  return readFile(file);
}
