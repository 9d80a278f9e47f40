// A secret's rotation must replace the replicas that use it, yet the value
// may never reach a label. So the spec hash of a service with env_secrets is
// keyed with the secrets' current values: HMAC-SHA256 under a key only the
// operator holds (operator/label-key in its secret store). The container
// label then changes when a value does, and reveals nothing about it: without
// the key it cannot be recomputed or checked against guesses. Services
// without env_secrets keep their plain spec hash.

import { createHmac } from "node:crypto";
import type { DesiredSource, SecretStore, SourceSnapshot } from "../ports/index.js";
import type { DesiredState, ServiceSpec } from "../model/spec.js";

export async function withSecretDigests(
  state: DesiredState,
  secrets: SecretStore,
  key: Buffer,
): Promise<DesiredState> {
  const services = await Promise.all(state.services.map((s) => digestService(s, secrets, key)));
  return { ...state, services };
}

async function digestService(s: ServiceSpec, secrets: SecretStore, key: Buffer): Promise<ServiceSpec> {
  const entries = [
    ...Object.entries(s.envSecrets),
    // A stack's secret files, by their path in the container.
    ...(s.secretFiles ?? []).map((f): [string, string] => [`file:${f.target}`, f.secret]),
  ].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return s;
  const hmac = createHmac("sha256", key).update(s.specHash);
  for (const [variable, name] of entries) {
    // Missing or unreadable: a marker, so the value appearing later also replaces the replicas.
    const value = await secrets.getApplication(name).catch(() => undefined);
    hmac.update(`\0${variable}\0${name}\0${value === undefined ? "\u0001missing" : `=${value}`}`);
  }
  return { ...s, specHash: hmac.digest("hex") };
}

/** The source as the reconciler sees it: every desired state with its secret digests. */
export function secretDigestingSource(
  inner: DesiredSource,
  secrets: SecretStore,
  key: Buffer,
): DesiredSource {
  let last: { raw: SourceSnapshot; digested: SourceSnapshot } | undefined;
  const digest = async (raw: SourceSnapshot): Promise<SourceSnapshot> => {
    if (raw.desired === undefined) return raw;
    const state = await withSecretDigests(raw.desired.state, secrets, key);
    return { ...raw, desired: { ...raw.desired, state } };
  };
  return {
    async poll() {
      const raw = await inner.poll();
      const digested = await digest(raw);
      last = { raw, digested };
      return digested;
    },
    current() {
      const raw = inner.current();
      // Between polls the snapshot does not change; a newer one is used as it is until the next poll.
      const same = last !== undefined && last.raw.desired?.commit === raw.desired?.commit;
      return same && last?.digested.desired !== undefined ? { ...raw, desired: last.digested.desired } : raw;
    },
  };
}
