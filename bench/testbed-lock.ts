// The shared test bed lock (/run/gitfleet-e2e.lock, the one e2e runs take) and
// the scripts that set the bed up, for the benches that run on it.

import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { BUILD_IMAGES_SCRIPT, testbed } from "../test/support/testbed.js";
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

/** Why a bench cannot run on the test bed (not up), or undefined when it is up. */
export async function testbedDown(): Promise<string | undefined> {
  try {
    await testbed("status");
    return undefined;
  } catch {
    return "the Docker test bed is not up: run scripts/testbed.sh up (or the e2e tests) first";
  }
}

/**
 * Runs `body` holding the shared lock for the whole run (GITFLEET_BENCH_LOCK_HELD=1: the caller
 * already holds it), the test images built first.
 */
export async function underLock<T>(ctx: BenchContext, body: () => Promise<T>): Promise<T> {
  const lock = process.env["GITFLEET_BENCH_LOCK_HELD"] === "1" ? undefined : await takeLock(ctx);
  try {
    await runScript(BUILD_IMAGES_SCRIPT, ["--testbed"]);
    return await body();
  } finally {
    lock?.stdin?.end();
    if (lock !== undefined) await once(lock, "exit");
  }
}
