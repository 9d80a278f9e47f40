// GitStatusSink.readStatus against the real git http-backend: what a restarted
// operator (fresh cache directory, nothing in memory) reads back from the
// status branch to restore its held rollouts.

import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { GitStatusSink } from "../../../src/adapters/git/sink.js";
import { validRepo } from "../../support/git-fixtures.js";
import { type Harness, auth, startHarness } from "./harness.js";

const clock = { now: () => Date.UTC(2030, 0, 2, 3, 4, 5) };

const FILES = new Map([
  ["status/cluster.yaml", "sync: Degraded\n"],
  ["status/services/api.yaml", "name: api\nstate: rolled-back\nspec_hash: abc\n"],
  ["status/services/web.yaml", "name: web\nstate: converged\nspec_hash: d\u00e9f\n"],
  ["STATUS.md", "# Status\n\nDegraded\n"],
]);
const UNDER_STATUS = new Map([...FILES].filter(([p]) => p.startsWith("status/")));

describe("GitStatusSink.readStatus", () => {
  let h: Harness;
  afterEach(async () => h?.close());

  it("a new sink with a fresh cache reads the status files the last one pushed", async () => {
    h = await startHarness(validRepo());
    const writer = await GitStatusSink.create({
      repository: { url: h.url, auth },
      cacheDir: h.cacheDir,
      clock,
    });
    const written = await writer.write(FILES, "status: Degraded");
    expect(written.pushed).toBe(true);

    const options = { repository: { url: h.url, auth }, cacheDir: path.join(h.dir, "cache2"), clock };
    const restarted = await GitStatusSink.create(options);
    const read = await restarted.readStatus();

    expect(read).toEqual(UNDER_STATUS);
    // What it read is now its base: the same files again make no commit.
    h.server.resetCounts();
    expect(await restarted.write(FILES, "status: Degraded")).toMatchObject({
      committed: false,
      commit: written.commit,
    });
    expect(h.server.count("receive-pack")).toBe(0);
  });

  it("reads the branch as it is now, after someone else's push", async () => {
    h = await startHarness(validRepo());
    const options = { repository: { url: h.url, auth }, cacheDir: h.cacheDir, clock };
    const a = await GitStatusSink.create(options);
    const b = await GitStatusSink.create({ ...options, cacheDir: path.join(h.dir, "cache-b") });
    await a.write(FILES, "status: Degraded");
    expect(await b.readStatus()).toEqual(UNDER_STATUS);
    const next = new Map([["status/cluster.yaml", "sync: Synced\n"]]);
    await a.write(next, "status: Synced");
    expect(await b.readStatus()).toEqual(next);
  });

  it("undefined when the status branch does not exist yet", async () => {
    h = await startHarness(validRepo());
    const sink = await GitStatusSink.create({
      repository: { url: h.url, auth },
      cacheDir: h.cacheDir,
      clock,
    });
    expect(await sink.readStatus()).toBeUndefined();
  });

  it("on the watched branch reads only status/, not the spec files", async () => {
    h = await startHarness(validRepo());
    const options = { repository: { url: h.url, auth }, branch: "main", clock };
    const writer = await GitStatusSink.create({ ...options, cacheDir: h.cacheDir });
    await writer.write(FILES, "status: Degraded");
    const reader = await GitStatusSink.create({ ...options, cacheDir: path.join(h.dir, "cache2") });
    expect(await reader.readStatus()).toEqual(UNDER_STATUS);
  });

  it("throws a coded error when the server cannot be reached", async () => {
    h = await startHarness(validRepo());
    const sink = await GitStatusSink.create({
      repository: { url: h.url, auth },
      cacheDir: h.cacheDir,
      clock,
    });
    await h.server.stop();
    await expect(sink.readStatus()).rejects.toMatchObject({ code: expect.stringMatching(/^git-/) });
  });
});
