// The upgrade rule: a gitfleet upgrade never changes the spec hash of an
// unchanged spec, since a new hash replaces every replica of the service. The
// hashes of sample-repo's services are pinned here, computed by the real loader
// and hash function. If this fails, a change altered normalisation or the hash:
// keep the old hash for old input (see "Upgrading" in the README) instead of
// updating these values.

import { join, resolve } from "node:path";
import { expect, it } from "vitest";
import { readRepoDir } from "../../../src/adapters/system/read-dir.js";
import { formatSpecError, loadSpec } from "../../../src/spec/index.js";

const sampleDir = join(resolve(import.meta.dirname, "../../.."), "sample-repo");

it("sample-repo's spec hashes are the ones pinned when this test was written", async () => {
  const r = loadSpec(await readRepoDir(sampleDir));
  if (!r.ok) throw new Error(r.errors.map(formatSpecError).join("\n"));
  const hashes = Object.fromEntries(r.state.services.map((s) => [s.name, s.specHash]));
  expect(hashes).toEqual(PINNED);
});

const PINNED = {
  api: "b1808bc2c436b14b1d65c3a4e7b34fe494682139a6904c22cfffc5a770641b44",
  cache: "247ec098f34cdc76c3fa4ff8260f736264a46e6a5f665d9213d01efa37c2e2dc",
  web: "f2eaf62a20a56e2c50de0b17f4198ae36f46fb4822c902f68a74ad9951fbde91",
  worker: "1edbdd9181c6441225cac3f98cfd670b3268217994c8c3f3a2da18d88acb17e2",
};
