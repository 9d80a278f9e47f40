// A bench's children end with it (bench/child-processes.ts): a bench process
// that fails (an uncaught error, process.exit) kills what it started, so no
// child is left holding the bench lock that `flock` handed down to it. Real
// processes: a "bench" under tsx that starts a long-running child, then fails.

import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { pollUntil } from "../../support/poll.js";

const root = path.resolve(import.meta.dirname, "../../..");

/** Runs a bench-like script; resolves with its exit code and the pid its child printed. */
async function runBench(ending: string): Promise<{ code: number | null; childPid: number }> {
  const script = [
    `import { spawn } from "node:child_process";`,
    `import { tracked } from ${JSON.stringify(path.join(root, "bench/child-processes.ts"))};`,
    // Piped stdio, as the fleet bench's simulated engine: alive until killed.
    `const child = tracked(spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: ["pipe", "pipe", "inherit"] }));`,
    `console.log(child.pid);`,
    ending,
  ].join("\n");
  const bench = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: root,
    stdio: ["ignore", "pipe", "ignore"],
  });
  let out = "";
  bench.stdout.on("data", (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => bench.once("exit", resolve));
  return { code, childPid: Number(out.trim().split("\n")[0]) };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("a bench's children end with the bench", () => {
  it.each([
    ["an uncaught error", `setTimeout(() => { throw new Error("tsc failed: injected"); }, 10);`],
    ["process.exit", `setTimeout(() => process.exit(1), 10);`],
  ])("on %s", async (_, ending) => {
    const { code, childPid } = await runBench(ending);
    expect(code).toBe(1);
    expect(childPid).toBeGreaterThan(0);
    try {
      const ending = { timeoutMs: 10_000, intervalMs: 50 };
      expect(await pollUntil("the bench's child to end", () => !alive(childPid), ending)).toBe(true);
    } finally {
      if (alive(childPid)) process.kill(childPid, "SIGKILL");
    }
  });
});
