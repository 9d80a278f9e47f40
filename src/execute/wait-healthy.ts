// The health gate of a rollout: wait until the container runs (and is healthy
// when it has a healthcheck) within timeoutMs, then watch it for monitorMs:
// exiting, turning unhealthy or disappearing in that time fails the task.
// It polls the driver (cheap on the real adapter: one shared list per host).

import type { ContainerStatus, HostDriver } from "../ports/host.js";
import { isHostDown } from "../observe/fenced-driver.js";
import { ControllerError } from "../ports/host.js";
import type { WaitHealthyStep } from "../plan/types.js";
import type { Time } from "../ports/time.js";

export const DEFAULT_POLL_MS = 250;

export interface WaitOptions {
  readonly time: Time;
  readonly signal: AbortSignal;
  readonly pollMs?: number;
}

/** Resolves when the gate passes; throws ControllerError "not-healthy" or "cancelled". */
export async function waitHealthy(
  driver: HostDriver,
  step: WaitHealthyStep,
  opts: WaitOptions,
): Promise<void> {
  const { time, signal } = opts;
  const poll = opts.pollMs ?? DEFAULT_POLL_MS;
  const ref = step.container.id ?? step.container.name;
  const deadline = time.now() + step.timeoutMs;
  for (;;) {
    const st = await look(driver, ref);
    const bad = badState(st);
    if (bad !== undefined) throw new ControllerError("not-healthy", `${step.container.name} ${bad}`);
    if (ready(st, step.hasHealthcheck)) break;
    if (time.now() >= deadline) {
      const seen = st === UNKNOWN ? "not answering" : (st?.health ?? "?");
      const what = step.hasHealthcheck ? `not healthy (${seen})` : "not running";
      throw new ControllerError("not-healthy", `${step.container.name} ${what} after ${step.timeoutMs} ms`);
    }
    await pause(time, Math.min(poll, deadline - time.now()), signal);
  }
  const until = time.now() + step.monitorMs;
  while (time.now() < until) {
    await pause(time, Math.min(poll, until - time.now()), signal);
    const bad = badState(await look(driver, ref));
    if (bad !== undefined) {
      throw new ControllerError("not-healthy", `${step.container.name} ${bad} within the monitor window`);
    }
  }
}

/** A failed look (a slow or briefly unreachable host) is "not known yet": the deadline decides. */
const UNKNOWN = "unknown" as const;

async function look(driver: HostDriver, ref: string): Promise<ContainerStatus | undefined | typeof UNKNOWN> {
  try {
    return await driver.status(ref);
  } catch (err) {
    // A host declared down will not answer within the deadline either: give up at once.
    if (isHostDown(err)) throw err;
    return UNKNOWN;
  }
}

function ready(st: ContainerStatus | undefined | typeof UNKNOWN, hasHealthcheck: boolean): boolean {
  if (st === undefined || st === UNKNOWN || st.state !== "running") return false;
  return !hasHealthcheck || st.health === "healthy";
}

function badState(st: ContainerStatus | undefined | typeof UNKNOWN): string | undefined {
  if (st === UNKNOWN) return undefined;
  if (st === undefined) return "is gone";
  if (st.state === "exited" || st.state === "dead") return `exited with code ${st.exitCode ?? "?"}`;
  if (st.state === "removing") return "is being removed";
  if (st.state === "running" && st.health === "unhealthy") return "is unhealthy";
  return undefined;
}

async function pause(time: Time, ms: number, signal: AbortSignal): Promise<void> {
  await time.sleep(Math.max(1, ms), signal);
  if (signal.aborted) throw new ControllerError("cancelled", "stopping: wait abandoned");
}
