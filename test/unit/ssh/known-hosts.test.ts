// known_hosts as OpenSSH reads it, and the host key verdicts built on it:
// pinned, unknown, changed, revoked; ports, hashed names, wildcards, negation.

import { createHmac, generateKeyPairSync, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hostKeyCheck } from "../../../src/adapters/ssh/host-key.js";
import { fingerprint, KnownHosts, wireType } from "../../../src/adapters/ssh/known-hosts.js";

function sshString(b: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

/** A fresh ed25519 public key in SSH wire format. */
function ed25519(): Buffer {
  const { publicKey } = generateKeyPairSync("ed25519");
  const x = Buffer.from(publicKey.export({ format: "jwk" }).x ?? "", "base64url");
  return Buffer.concat([sshString(Buffer.from("ssh-ed25519")), sshString(x)]);
}

const line = (hosts: string, blob: Buffer): string => `${hosts} ssh-ed25519 ${blob.toString("base64")}`;

describe("KnownHosts", () => {
  const a = ed25519();
  const b = ed25519();

  it("finds plain names, comma lists and case-insensitive names on port 22", () => {
    const kh = KnownHosts.parse(`# comment\n\n${line("git.example.com,10.0.0.5", a)}\n`);
    expect(kh.lookup("git.example.com", 22).pinned.map((k) => k.blob)).toEqual([a]);
    expect(kh.lookup("GIT.example.COM", 22).pinned).toHaveLength(1);
    expect(kh.lookup("10.0.0.5", 22).pinned[0]?.line).toBe(3);
    expect(kh.lookup("10.0.0.6", 22).pinned).toEqual([]);
  });

  it("keys a port other than 22 as [host]:port, as ssh does", () => {
    const kh = KnownHosts.parse(line("[git.example.com]:2222", a));
    expect(kh.lookup("git.example.com", 2222).pinned).toHaveLength(1);
    expect(kh.lookup("git.example.com", 22).pinned).toEqual([]);
  });

  it("matches hashed names (ssh-keygen -H) and wildcards, and honours negation", () => {
    const salt = randomBytes(20);
    const hash = createHmac("sha1", salt).update("[10.0.0.9]:2200").digest("base64");
    const kh = KnownHosts.parse(
      [
        line(`|1|${salt.toString("base64")}|${hash}`, a),
        line("*.fleet.internal,!bad.fleet.internal", b),
      ].join("\n"),
    );
    expect(kh.lookup("10.0.0.9", 2200).pinned.map((k) => k.blob)).toEqual([a]);
    expect(kh.lookup("10.0.0.9", 22).pinned).toEqual([]);
    expect(kh.lookup("h1.fleet.internal", 22).pinned.map((k) => k.blob)).toEqual([b]);
    expect(kh.lookup("bad.fleet.internal", 22).pinned).toEqual([]);
  });

  it("skips @cert-authority lines, garbage and keys whose type field lies", () => {
    const kh = KnownHosts.parse(
      [
        `@cert-authority ${line("h", a)}`,
        "h ssh-ed25519 not-base64!",
        `h ssh-rsa ${a.toString("base64")}`,
        "h",
      ].join("\n"),
    );
    expect(kh.lookup("h", 22)).toEqual({ pinned: [], revoked: [] });
  });

  it("fingerprints like OpenSSH: SHA256 and unpadded base64", () => {
    expect(fingerprint(a)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(wireType(a)).toBe("ssh-ed25519");
    expect(wireType(Buffer.from([0, 0, 0, 9, 1]))).toBe("");
  });
});

describe("hostKeyCheck", () => {
  const good = ed25519();
  const other = ed25519();

  it("accepts the pinned key and offers only the pinned key's algorithm", () => {
    const check = hostKeyCheck(KnownHosts.parse(line("h", good)).lookup("h", 22), "h port 22", "secret x");
    expect(check.algorithms).toEqual(["ssh-ed25519"]);
    expect(check.verify(good)).toBe(true);
    expect(check.refusal()).toBeUndefined();
  });

  it("refuses an unknown host, naming it and the fingerprint it offered", () => {
    const check = hostKeyCheck(KnownHosts.parse("").lookup("h", 22), "h port 22", "secret ssh/known_hosts");
    expect(check.algorithms).toBeUndefined();
    expect(check.verify(good)).toBe(false);
    expect(check.refusal()?.code).toBe("ssh-host-key-unknown");
    expect(check.refusal()?.message).toContain(`host key of h port 22 is unknown`);
    expect(check.refusal()?.message).toContain(`ssh-ed25519 key ${fingerprint(good)}`);
  });

  it("refuses a changed key, naming the offered and the pinned fingerprints", () => {
    const check = hostKeyCheck(KnownHosts.parse(line("h", good)).lookup("h", 22), "h port 22", "secret x");
    expect(check.verify(other)).toBe(false);
    expect(check.refusal()?.code).toBe("ssh-host-key-changed");
    expect(check.refusal()?.message).toContain(`offered ssh-ed25519 key ${fingerprint(other)}`);
    expect(check.refusal()?.message).toContain(`pins ssh-ed25519 ${fingerprint(good)} (line 1)`);
  });

  it("refuses a revoked key even when it is also pinned", () => {
    const kh = KnownHosts.parse([line("h", good), `@revoked ${line("*", good)}`].join("\n"));
    const check = hostKeyCheck(kh.lookup("h", 22), "h port 22", "secret x");
    expect(check.verify(good)).toBe(false);
    expect(check.refusal()?.code).toBe("ssh-host-key-revoked");
  });

  it("offers every RSA signature algorithm for a pinned ssh-rsa key", () => {
    const rsa = Buffer.concat([sshString(Buffer.from("ssh-rsa")), sshString(Buffer.from([1, 0, 1]))]);
    const kh = KnownHosts.parse(`h ssh-rsa ${rsa.toString("base64")}`);
    expect(hostKeyCheck(kh.lookup("h", 22), "h", "x").algorithms).toEqual([
      "rsa-sha2-512",
      "rsa-sha2-256",
      "ssh-rsa",
    ]);
  });
});
