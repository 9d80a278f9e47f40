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
import { threadCpuMs } from "../../support/thread-cpu.js";

// Three times the operator's default budget: these files run beside the rest of the suite
// on two cores. That a load past its budget is refused is tested in git/source-bounds.
const BUDGET_MS = 3 * DEFAULT_LOAD_TIMEOUT_MS;
const loader = new IsolatedSpecLoader({ timeoutMs: BUDGET_MS });
afterAll(() => loader.close());

function withFile(path: string, content: RepoFile): Map<string, RepoFile> {
  const files: Map<string, RepoFile> = sampleFiles();
  files.set(path, content);
  return files;
}

/**
 * The CPU time this thread spent while `work` ran: parsing here would count in full. Gaps
 * between timer ticks, and the event loop's active time too, also count the time the OS gave
 * the CPU to other processes (active time rose to 0.8 s at 6 % of a CPU, as at load 33), which
 * on a shared 2-core machine says nothing about where the parsing happened.
 */
async function mainThreadBusy<T>(work: () => Promise<T>): Promise<{ result: T; busy: number }> {
  // A timer keeps the loop turning, as the operator's heartbeats do.
  const tick = setInterval(() => undefined, 10);
  const start = threadCpuMs();
  try {
    const result = await work();
    return { result, busy: threadCpuMs() - start };
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
      const input = files(); // made here, outside what is measured
      const { result, busy } = await mainThreadBusy(() => loader.load(input));
      expect(performance.now() - started).toBeLessThan(BUDGET_MS);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      const codes = result.errors.map((e) => e.code);
      expect(codes).not.toContain("loader-error");
      expect(codes).not.toContain("load-memory");
      expect(codes).not.toContain("load-timeout");
      expect(malformedErrors(result.errors)).toEqual([]);
      // The main thread is never the one parsing: these inputs take seconds to parse.
      console.info(`spec-worker-fuzz: ${name}: ${busy} ms of the main thread's CPU`);
      expect(busy).toBeLessThan(500);
    });
  }

  it("answers random and mutated commits within budget, never crashing the worker", async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fuzzCommit, async (files) => {
        runs++;
        const started = performance.now();
        const result = await loader.load(files);
        expect(performance.now() - started).toBeLessThan(BUDGET_MS);
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
  });
});
