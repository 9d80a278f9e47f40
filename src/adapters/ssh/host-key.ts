// Checking the key an SSH server presents against known_hosts, as OpenSSH
// does with StrictHostKeyChecking=yes: a host with no pinned key, or with a
// key other than the pinned ones, is refused before anything is sent to it.
// The client offers only the algorithms of the pinned keys, so a host pinned
// by its ed25519 key is not asked for its RSA key (which would look changed).

import type { ServerHostKeyAlgorithm } from "ssh2";
import { SshError } from "./errors.js";
import { fingerprint, type HostKeys, wireType } from "./known-hosts.js";

/** Host key algorithms for each key type, in ssh2's order of preference. */
const ALGORITHMS: Readonly<Record<string, readonly ServerHostKeyAlgorithm[]>> = {
  "ssh-ed25519": ["ssh-ed25519"],
  "ecdsa-sha2-nistp256": ["ecdsa-sha2-nistp256"],
  "ecdsa-sha2-nistp384": ["ecdsa-sha2-nistp384"],
  "ecdsa-sha2-nistp521": ["ecdsa-sha2-nistp521"],
  "ssh-rsa": ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
};

export interface HostKeyCheck {
  /** The algorithms to offer; undefined: ssh2's defaults (nothing pinned: the check refuses anyway). */
  readonly algorithms: ServerHostKeyAlgorithm[] | undefined;
  /** For ssh2's hostVerifier: true lets the handshake go on. */
  readonly verify: (blob: Buffer) => boolean;
  /** Why the last verify refused, once it has. */
  refusal(): SshError | undefined;
}

/**
 * `target` names the host in messages ("10.0.0.5 port 22"); `source` says
 * where the pins come from ("secret ssh/known_hosts").
 */
export function hostKeyCheck(keys: HostKeys, target: string, source: string): HostKeyCheck {
  let refused: SshError | undefined;
  const types = [...new Set(keys.pinned.map((k) => k.type))];
  const algorithms = types.flatMap((t) => ALGORITHMS[t] ?? []);
  return {
    algorithms: algorithms.length > 0 ? algorithms : undefined,
    verify(blob) {
      refused = judge(keys, blob, target, source);
      return refused === undefined;
    },
    refusal: () => refused,
  };
}

function judge(keys: HostKeys, blob: Buffer, target: string, source: string): SshError | undefined {
  const seen = `${wireType(blob) || "unknown"} key ${fingerprint(blob)}`;
  if (keys.revoked.some((k) => k.blob.equals(blob))) {
    return new SshError(
      "ssh-host-key-revoked",
      `host key of ${target} is marked @revoked in ${source}: the server offered ${seen}; refusing to connect`,
    );
  }
  if (keys.pinned.some((k) => k.blob.equals(blob))) return undefined;
  if (keys.pinned.length === 0) {
    return new SshError(
      "ssh-host-key-unknown",
      `host key of ${target} is unknown: no entry in ${source}; the server offered ${seen}. ` +
        `Check this fingerprint out of band (ssh-keygen -lf on the host) and add the host's public key to ${source}`,
    );
  }
  const pinned = keys.pinned.map((k) => `${k.type} ${fingerprint(k.blob)} (line ${k.line})`).join(", ");
  return new SshError(
    "ssh-host-key-changed",
    `host key of ${target} has CHANGED: the server offered ${seen}, but ${source} pins ${pinned}. ` +
      `Someone may be impersonating the host; if the key was replaced on purpose, update ${source}`,
  );
}

/** The handshake found no host key algorithm in common: the host has none of the pinned key types. */
export function noPinnedTypeOffered(keys: HostKeys, target: string, source: string): SshError {
  const types = [...new Set(keys.pinned.map((k) => k.type))].join(", ");
  return new SshError(
    "ssh-host-key-changed",
    `host key of ${target} has CHANGED: the server offers no key of the pinned type (${types}) in ${source}`,
  );
}
