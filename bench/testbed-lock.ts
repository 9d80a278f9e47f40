// The shared test bed lock (/run/gitfleet-e2e.lock, the one e2e runs take) and
// the scripts that set the bed up, for the benches that run on it.

import { spawn, type ChildProcess } from "node:child_process";
import type { BenchContext } from "./harness.js";

export const LOCK = "/run/gitfleet-e2e.lock";

/** flock on the shared lock, held by a child until its stdin closes. */
export async function takeLock(ctx: BenchContext): Promise<ChildProcess> {
  ctx.log(`waiting for ${LOCK}`);
  const child = spawn("flock", [LOCK, "sh", "-c", "echo locked; exec cat >/dev/null"], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once("data", () => resolve());
    child.once("exit", (code) => reject(new Error(`flock exited with ${code ?? "?"}`)));
  });
  ctx.log("lock taken");
  return child;
}

export function runScript(script: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [script, ...args], { stdio: ["ignore", "ignore", "inherit"] });
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${script} exited with ${code}`)),
    );
  });
}
