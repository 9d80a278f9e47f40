// A rotated secret replaces the replicas that use it: their spec hash is keyed
// with the secrets' values under the operator's label key, and reveals
// neither the value nor an unkeyed hash of it.

import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { secretDigestingSource, withSecretDigests } from "../../../src/desired/secret-digests.js";
import type { DesiredSource, SecretStore, SourceSnapshot } from "../../../src/ports/index.js";
import type { DesiredState } from "../../../src/model/spec.js";
import { desiredState, host, service } from "../../support/fixtures.js";

const KEY = Buffer.from("k".repeat(64));

function store(values: Record<string, string>): SecretStore {
  return {
    get: () => Promise.reject(new Error("only application secrets are read")),
    getApplication: (name) => Promise.resolve(values[name]),
    path: (name) => `/store/${name}`,
  };
}

function state(): DesiredState {
  const api = { ...service("api", { specHash: "a".repeat(64) }), envSecrets: { TOKEN: "api-token" } };
  return desiredState([host("h1")], [api, service("web", { specHash: "b".repeat(64) })]);
}

const hashOf = async (values: Record<string, string>, key = KEY): Promise<Record<string, string>> =>
  Object.fromEntries(
    (await withSecretDigests(state(), store(values), key)).services.map((s) => [s.name, s.specHash]),
  );

describe("withSecretDigests", () => {
  it("changes the hash of a service using a secret when the value rotates, and only then", async () => {
    const before = await hashOf({ "api-token": "value-one" });
    expect(await hashOf({ "api-token": "value-one" })).toEqual(before);
    const after = await hashOf({ "api-token": "value-two" });
    expect(after["api"]).not.toBe(before["api"]);
    expect(after["web"]).toBe("b".repeat(64)); // no env_secrets: untouched
    expect(before["api"]).not.toBe("a".repeat(64));
  });

  it("is keyed: another key gives another hash, and it is no unkeyed hash of the value", async () => {
    const value = "value-one";
    const h = (await hashOf({ "api-token": value }))["api"] ?? "";
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect((await hashOf({ "api-token": value }, Buffer.from("other-key")))["api"]).not.toBe(h);
    expect(h).not.toContain(value);
    const sha = (t: string): string => createHash("sha256").update(t).digest("hex");
    for (const guess of [value, "a".repeat(64) + value, `TOKEN=${value}`]) expect(h).not.toBe(sha(guess));
  });

  it("marks a missing secret, so its appearance replaces the replicas too", async () => {
    const missing = await hashOf({});
    expect(missing["api"]).not.toBe((await hashOf({ "api-token": "" }))["api"]);
  });
});

describe("secretDigestingSource", () => {
  it("hands the reconciler digested states from poll and current", async () => {
    const snapshot: SourceSnapshot = {
      rewritten: false,
      changed: true,
      desired: { commit: "c1", author: "a", message: "m", timestamp: 0, state: state(), files: new Map() },
    };
    const inner: DesiredSource = { poll: () => Promise.resolve(snapshot), current: () => snapshot };
    const source = secretDigestingSource(inner, store({ "api-token": "v" }), KEY);
    const polled = await source.poll();
    const api = polled.desired?.state.services.find((s) => s.name === "api");
    expect(api?.specHash).not.toBe("a".repeat(64));
    expect(source.current().desired?.state.services.find((s) => s.name === "api")?.specHash).toBe(
      api?.specHash,
    );
  });
});
