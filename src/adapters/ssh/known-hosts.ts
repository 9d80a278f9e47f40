// OpenSSH's known_hosts format, read the way `ssh` reads it: host patterns
// (comma separated, `*`/`?` wildcards, `!` negation, `[host]:port` for ports
// other than 22), hashed names (`|1|salt|hash`, as `ssh-keygen -H` writes
// them), and the `@revoked` marker. `@cert-authority` lines are skipped:
// gitfleet pins plain host keys only.

import { createHash, createHmac } from "node:crypto";

export interface PinnedKey {
  /** The key type as written ("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256"). */
  readonly type: string;
  /** The key in SSH wire format (the base64 field decoded). */
  readonly blob: Buffer;
  /** Line in the file, for messages. */
  readonly line: number;
}

interface Entry extends PinnedKey {
  readonly marker: "" | "@revoked";
  readonly patterns: readonly string[];
}

export interface HostKeys {
  /** Keys the host may present. */
  readonly pinned: readonly PinnedKey[];
  /** Keys the host must never present. */
  readonly revoked: readonly PinnedKey[];
}

export class KnownHosts {
  private constructor(private readonly entries: readonly Entry[]) {}

  /** Parse the file's text; lines that are not entries (comments, garbage) are skipped, as ssh does. */
  static parse(text: string): KnownHosts {
    const entries: Entry[] = [];
    text.split(/\r?\n/).forEach((raw, i) => {
      const fields = raw.trim().split(/\s+/);
      if (fields[0] === undefined || fields[0] === "" || fields[0].startsWith("#")) return;
      let marker: Entry["marker"] = "";
      if (fields[0].startsWith("@")) {
        if (fields[0] !== "@revoked") return; // @cert-authority and unknown markers
        marker = "@revoked";
        fields.shift();
      }
      const [hosts, type, base64] = fields;
      if (hosts === undefined || type === undefined || base64 === undefined) return;
      if (!/^[A-Za-z0-9+/]+=*$/.test(base64)) return;
      const blob = Buffer.from(base64, "base64");
      if (wireType(blob) !== type) return; // the type field must say what the key is
      entries.push({ marker, patterns: hosts.split(","), type, blob, line: i + 1 });
    });
    return new KnownHosts(entries);
  }

  /** The keys recorded for `host` on `port`. */
  lookup(host: string, port: number): HostKeys {
    const name = port === 22 ? host : `[${host}]:${port}`;
    const matching = this.entries.filter((e) => matches(e.patterns, name));
    return {
      pinned: matching.filter((e) => e.marker === ""),
      revoked: matching.filter((e) => e.marker === "@revoked"),
    };
  }
}

/** OpenSSH's fingerprint of a key: SHA256 of the wire format, unpadded base64. */
export function fingerprint(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/** The key type a wire-format key starts with (a length-prefixed string), or "" when malformed. */
export function wireType(blob: Buffer): string {
  if (blob.length < 4) return "";
  const length = blob.readUInt32BE(0);
  if (length === 0 || length > 64 || blob.length < 4 + length) return "";
  return blob.subarray(4, 4 + length).toString("latin1");
}

/** A line matches when one pattern matches and no negated pattern does. */
function matches(patterns: readonly string[], name: string): boolean {
  let hit = false;
  for (const pattern of patterns) {
    if (pattern.startsWith("!")) {
      if (matchOne(pattern.slice(1), name)) return false;
    } else if (matchOne(pattern, name)) {
      hit = true;
    }
  }
  return hit;
}

function matchOne(pattern: string, name: string): boolean {
  if (pattern.startsWith("|1|")) return matchHashed(pattern, name);
  // Host names compare case-insensitively; wildcards as in ssh_config.
  const re = new RegExp(
    `^${pattern
      .toLowerCase()
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  );
  return re.test(name.toLowerCase());
}

function matchHashed(pattern: string, name: string): boolean {
  const [, , salt, hash] = pattern.split("|");
  if (salt === undefined || hash === undefined) return false;
  const mac = createHmac("sha1", Buffer.from(salt, "base64")).update(name.toLowerCase()).digest("base64");
  return mac === hash;
}
