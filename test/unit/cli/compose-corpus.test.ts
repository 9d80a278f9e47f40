// Issue 16's goal, measured: real-world Compose files (test/fixtures/compose-corpus/,
// sources in its SOURCES.md) loaded as stacks; the share of their services that
// name an image and are accepted as written, and a reason for every one refused.

import { describe, expect, it } from "vitest";
import { measureCorpus, report } from "../../../bench/compose-corpus.bench.js";

describe("real-world Compose files as they are", () => {
  it("accepts most services that name an image, and says why for each one refused", async () => {
    const r = await measureCorpus();
    const permissive = await measureCorpus(true);
    process.stdout.write(`${report(r, permissive)}\n`);
    expect(r.projects).toBeGreaterThanOrEqual(73);
    expect(r.services.length).toBeGreaterThanOrEqual(240);
    // Refusals under the default ceiling are the ceiling's (host paths, host network, NET_ADMIN),
    // secrets from files, the Docker socket, and files that fail in docker compose too.
    expect(r.rate).toBeGreaterThanOrEqual(0.85);
    expect(permissive.rate).toBeGreaterThanOrEqual(0.9);
    for (const s of r.services.filter((x) => !x.accepted)) {
      expect(s.errors.length, `${s.project}/${s.service}`).toBeGreaterThan(0);
      for (const e of s.errors) expect(e.message.length).toBeGreaterThan(30);
    }
    // Nothing docker compose would run is refused for a Compose key gitfleet has no answer for, or
    // a schema it cannot read (a file docker compose refuses, such as an environment: without a
    // value, is reported apart with compose's reason).
    const codes = new Set(
      r.services.filter((s) => s.composeRefuses === undefined).flatMap((s) => s.errors.map((e) => e.code)),
    );
    expect([...codes].filter((c) => c === "schema" || c === "unknown-key")).toEqual([]);
  }, 60_000);
});
