// Where SSH material lives in the operator's secret store. It is host
// material (like the hosts' TLS files), never an application secret:
//
//   ssh/known_hosts   pinned host keys of every SSH endpoint, Docker engines
//                     and the Git server alike (OpenSSH format)
//   ssh/id_key        the private key for Docker engines reached over SSH
//                     (a host's own <tls>/id_key takes precedence)
//   ssh/deploy_key    the private key for the Git repository (a deploy key)
//
// The store reserves ssh/ for this (never an application secret). Everything
// is read again for each new connection.

import type { SecretStore } from "../../ports/index.js";
import { readSecretFile, SecretModeError } from "../system/secret-files.js";
import type { SshMaterial } from "./client.js";
import { SshError } from "./errors.js";
import { KnownHosts } from "./known-hosts.js";

export const SSH_SECRETS = {
  knownHosts: "ssh/known_hosts",
  engineKey: "ssh/id_key",
  deployKey: "ssh/deploy_key",
} as const;

export interface MaterialOptions {
  readonly secrets: SecretStore | undefined;
  /** Secret names of the private key, first found wins. */
  readonly keyNames: readonly string[];
  /** An ssh-agent socket used when no key is found. */
  readonly agent?: string | undefined;
}

export function secretStoreMaterial(o: MaterialOptions): () => Promise<SshMaterial> {
  const knownHostsSource = `secret ${SSH_SECRETS.knownHosts}`;
  const keySource = o.keyNames.map((n) => `secret ${n}`).join(" or ");
  return async () => {
    const text = o.secrets ? await readSecret(o.secrets, SSH_SECRETS.knownHosts) : undefined;
    const knownHosts = KnownHosts.parse(text?.toString("utf8") ?? "");
    let privateKey: Buffer | undefined;
    for (const name of o.keyNames) {
      privateKey = o.secrets ? await readSecret(o.secrets, name) : undefined;
      if (privateKey !== undefined) break;
    }
    return {
      knownHosts,
      knownHostsSource,
      keySource,
      ...(privateKey !== undefined ? { privateKey } : {}),
      ...(privateKey === undefined && o.agent !== undefined ? { agent: o.agent } : {}),
    };
  };
}

async function readSecret(secrets: SecretStore, name: string): Promise<Buffer | undefined> {
  try {
    // A private key readable by group or others is refused, as ssh refuses it.
    return await readSecretFile(secrets.path(name));
  } catch (err) {
    if (err instanceof SecretModeError) throw new SshError("ssh-key-invalid", err.message, { cause: err });
    const code = (err as { code?: unknown }).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new SshError("ssh-key-invalid", `cannot read secret ${name}: ${String(code ?? err)}`, {
      cause: err,
    });
  }
}
