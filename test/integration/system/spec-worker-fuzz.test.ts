// The operator's loader (a worker thread with a time budget and a heap bound)
// under fuzzed commits (issue 12): a subset of the unit fuzz's inputs plus the
// known worst cases (80,000 keys, an alias bomb, 50,000 levels of nesting, a
// binary blob). Every load answers with a verdict (never a crashed or
// out-of-memory worker), within the budget, and the operator's own event
// loop keeps turning meanwhile.

import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_LOAD_TIMEOUT_MS, IsolatedSpecLoader } from "../../../src/adapters/system/isolated-loader.js";
import type { RepoFile } from "../../../src/model/spec.js";
import { aliasBomb, fuzzCommit, fuzzSeed, malformedErrors, sampleFiles } from "../../support/spec-fuzz.js";
import { manyKeys } from "../../support/spec-inputs.js";

const loader = new IsolatedSpecLoader();
afterAll(() => loader.close());

function withFile(path: string, content: RepoFile): Map<string, RepoFile> {
  const files: Map<string, RepoFile> = sampleFiles();
  files.set(path, content);
  return files;
}

/** Longest gap between ticks of a 10 ms interval while `work` runs: how long the event loop was blocked. */
async function longestStall<T>(work: () => Promise<T>): Promise<{ result: T; stall: number }> {
  let last = performance.now();
  let stall = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last);
    last = now;
  }, 10);
  try {
    const result = await work();
    return { result, stall };
  } finally {
    clearInterval(tick);
  }
}

describe("worker-thread spec loader under fuzzed commits", () => {
  it("starts and accepts sample-repo", async () => {
    expect((await loader.load(sampleFiles())).ok).toBe(true);
  }, 90_000);

  const worst: [string, () => Map<string, RepoFile>][] = [
    ["80,000 keys with a repeat", () => withFile("services/big.yaml", manyKeys(80_000).text)],
    [
      "an alias bomb",
      () => withFile("services/bomb.yaml", `${aliasBomb(10, 10)}kind: Service\nname: b\nimage: x\n`),
    ],
    [
      "50,000 levels of flow nesting",
      () => withFile("services/deep.yaml", `x: ${"[".repeat(50_000)}${"]".repeat(50_000)}\n`),
    ],
    [
      "a binary blob",
      () =>
        withFile(
          "services/blob.yaml",
          new Uint8Array(200_000).map((_, i) => (i * 131) & 0xff),
        ),
    ],
  ];
  for (const [name, files] of worst) {
    it(`refuses ${name} with coded errors, within budget, the event loop free`, async () => {
      const started = performance.now();
      const { result, stall } = await longestStall(() => loader.load(files()));
      expect(performance.now() - started).toBeLessThan(DEFAULT_LOAD_TIMEOUT_MS);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      const codes = result.errors.map((e) => e.code);
      expect(codes).not.toContain("loader-error");
      expect(codes).not.toContain("load-memory");
      expect(codes).not.toContain("load-timeout");
      expect(malformedErrors(result.errors)).toEqual([]);
      // The main thread is never the one parsing (a generous bound for a busy 2-core machine).
      expect(stall).toBeLessThan(500);
    }, 60_000);
  }

  it("answers random and mutated commits within budget, never crashing the worker", async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fuzzCommit, async (files) => {
        runs++;
        const started = performance.now();
        const result = await loader.load(files);
        expect(performance.now() - started).toBeLessThan(DEFAULT_LOAD_TIMEOUT_MS);
        if (result.ok) return;
        const codes = result.errors.map((e) => e.code);
        expect(codes).not.toContain("loader-error");
        expect(codes).not.toContain("load-memory");
        expect(codes).not.toContain("load-timeout");
        expect(malformedErrors(result.errors)).toEqual([]);
      }),
      { seed: fuzzSeed(), numRuns: 60, interruptAfterTimeLimit: 8_000 },
    );
    expect(runs).toBeGreaterThanOrEqual(10);
  }, 60_000);
});
