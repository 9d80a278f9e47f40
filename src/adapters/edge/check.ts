// `haproxy -c`: the HAProxy binary itself judges a configuration before it is
// written where a running edge could load it. Here: the local binary on a
// temporary file; an edge in a container runs the same command there.

import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { CheckResult } from "../../ports/edge.js";

export type { CheckResult };

export interface CheckOptions {
  /** Default: `haproxy` on PATH. */
  readonly bin?: string;
  readonly timeoutMs?: number;
}

export function parseCheckOutput(ok: boolean, output: string): CheckResult {
  const lines = output.split("\n").map((l) => l.trim());
  return {
    ok,
    alerts: lines.filter((l) => l.startsWith("[ALERT]")),
    warnings: lines.filter((l) => l.startsWith("[WARNING]")),
    output,
  };
}

export async function checkHaproxyConfig(config: string, opts: CheckOptions = {}): Promise<CheckResult> {
  const dir = await mkdtemp(path.join(tmpdir(), "gitfleet-edge-check-"));
  const file = path.join(dir, "haproxy.cfg");
  try {
    await writeFile(file, config, { mode: 0o600 });
    return await new Promise<CheckResult>((resolve) => {
      execFile(
        opts.bin ?? "haproxy",
        ["-c", "-f", file],
        { timeout: opts.timeoutMs ?? 15_000, encoding: "utf8" },
        (err, stdout, stderr) => resolve(parseCheckOutput(err === null, `${stdout}${stderr}`)),
      );
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
