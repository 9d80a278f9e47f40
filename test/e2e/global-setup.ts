// Brings up the Docker test bed for the e2e project and loads the test images into it
// (about 20 s cold, 2-5 s when it is already up). The teardown takes it down again,
// unless GITFLEET_TESTBED_KEEP=1, unless it was already up before this run (someone
// brought it up on purpose), and unless another test run still uses it (a lease per
// run, so concurrent runs on one machine do not pull it from under each other).

import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BUILD_IMAGES_SCRIPT, TESTBED_SCRIPT } from "../support/testbed.js";

const LEASES = "/run/gitfleet-testbed.leases";

function say(message: string): void {
  process.stderr.write(`[e2e setup] ${message}\n`);
}

/** Runs a script with its progress shown; resolves with its exit code. */
function runScript(script: string, args: readonly string[], quiet = false): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [script, ...args], {
      stdio: ["ignore", quiet ? "ignore" : "inherit", quiet ? "ignore" : "inherit"],
    });
    child.on("error", reject);
    child.on("exit", (code) => resolve(code ?? 1));
  });
}

async function mustRun(what: string, script: string, args: readonly string[]): Promise<void> {
  say(`${what}...`);
  const started = Date.now();
  const code = await runScript(script, args);
  if (code !== 0) throw new Error(`${script} ${args.join(" ")} exited with ${code}`);
  say(`${what}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pids of other test runs holding a lease; drops the leases of runs that died. */
function otherLiveLeases(): number[] {
  const others: number[] = [];
  for (const name of readdirSync(LEASES)) {
    const pid = Number(name);
    if (pid === process.pid) continue;
    if (Number.isInteger(pid) && isAlive(pid)) others.push(pid);
    else rmSync(join(LEASES, name), { force: true });
  }
  return others;
}

export default async function setup(): Promise<() => Promise<void>> {
  if (process.getuid?.() !== 0) throw new Error("the e2e tests need root (network namespaces, dockerd)");
  mkdirSync(LEASES, { recursive: true });
  writeFileSync(join(LEASES, String(process.pid)), "");
  const wasUp = (await runScript(TESTBED_SCRIPT, ["status"], true)) === 0;
  await mustRun(
    wasUp ? "test bed already up, checking it" : "bringing up the test bed (three dockerd hosts, a registry)",
    TESTBED_SCRIPT,
    ["up"],
  );
  await mustRun("building test images, loading them into the hosts", BUILD_IMAGES_SCRIPT, ["--testbed"]);

  return async () => {
    rmSync(join(LEASES, String(process.pid)), { force: true });
    const others = otherLiveLeases();
    if (process.env.GITFLEET_TESTBED_KEEP === "1" || wasUp || others.length > 0) {
      const why = wasUp
        ? "it was up before"
        : others.length > 0
          ? `runs ${others.join(", ")} use it`
          : "KEEP";
      say(`leaving the test bed up (${why}); scripts/testbed.sh down takes it down`);
      return;
    }
    await mustRun("taking the test bed down", TESTBED_SCRIPT, ["down"]);
  };
}
