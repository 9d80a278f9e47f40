// Optional commit signature verification: a commit is applied only when its
// gpgsig is a valid OpenPGP signature, over the exact commit payload, by one of
// the configured (armored) public keys.

import type * as Openpgp from "openpgp";
import type { RejectReason } from "../../ports/index.js";
import { GitAdapterError } from "./errors.js";

export type SignatureVerdict =
  | { readonly ok: true; readonly keyId: string }
  | { readonly ok: false; readonly reason: Exclude<RejectReason, "invalid">; readonly message: string };

/**
 * Loaded on first use: openpgp is one of the heaviest modules to load, and only operators
 * that verify signatures need it (the others start that much sooner).
 */
const loadOpenpgp = (): Promise<typeof Openpgp> => import("openpgp");

export class CommitSignatureVerifier {
  private constructor(private readonly keys: readonly Openpgp.PublicKey[]) {}

  /** Parse the trusted keys; a key that does not parse is a configuration error. */
  static async fromArmoredKeys(armored: readonly string[]): Promise<CommitSignatureVerifier> {
    if (armored.length === 0) {
      throw new GitAdapterError(
        "git-config-invalid",
        "signature verification needs at least one trusted key",
      );
    }
    const openpgp = await loadOpenpgp();
    const keys: Openpgp.PublicKey[] = [];
    for (const [i, text] of armored.entries()) {
      try {
        keys.push(...(await openpgp.readKeys({ armoredKeys: text })).map((k) => k.toPublic()));
      } catch (err) {
        throw new GitAdapterError(
          "git-config-invalid",
          `trusted key #${i + 1} is not an armored OpenPGP key`,
          {
            cause: err,
          },
        );
      }
    }
    return new CommitSignatureVerifier(keys);
  }

  async verify(commit: { readonly gpgsig?: string; readonly payload: string }): Promise<SignatureVerdict> {
    if (!commit.gpgsig) {
      return { ok: false, reason: "unsigned", message: "the commit is not signed" };
    }
    if (!commit.gpgsig.includes("BEGIN PGP SIGNATURE")) {
      return {
        ok: false,
        reason: "untrusted-signature",
        message: "the commit is signed, but not with OpenPGP",
      };
    }
    const openpgp = await loadOpenpgp();
    let signature: Openpgp.Signature;
    try {
      signature = await openpgp.readSignature({ armoredSignature: commit.gpgsig });
    } catch {
      return { ok: false, reason: "bad-signature", message: "the commit's signature cannot be parsed" };
    }
    const signers = signature.getSigningKeyIDs().map((id) => id.toHex());
    const known = this.keys.some((key) => key.getKeyIDs().some((id) => signers.includes(id.toHex())));
    if (!known) {
      return {
        ok: false,
        reason: "untrusted-signature",
        message: `signed by key ${signers.join(", ") || "(unknown)"}, which is not a trusted key`,
      };
    }
    try {
      const message = await openpgp.createMessage({ binary: new TextEncoder().encode(commit.payload) });
      const { signatures } = await openpgp.verify({ message, signature, verificationKeys: [...this.keys] });
      const first = signatures[0];
      if (first) {
        await first.verified; // throws when the signature does not match
        return { ok: true, keyId: first.keyID.toHex() };
      }
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      return { ok: false, reason: "bad-signature", message: `the signature does not verify: ${why}` };
    }
    return { ok: false, reason: "bad-signature", message: "the signature does not verify" };
  }
}
