// A bench's child processes, ended with the bench however it ends. Each child
// inherits the bench's open files, the lock `flock` holds among them: a child
// left running after a failure (the simulated engine, when the operator did
// not compile) keeps the bench lock taken, and its pipes keep the bench's own
// process from exiting. So every child a bench starts is tracked here, and on
// the bench process's exit (a normal end, process.exit, an uncaught error) any
// still running is killed.

import type { ChildProcess } from "node:child_process";

const live = new Set<ChildProcess>();
let hooked = false;

/** Track `child` until it exits; killed (SIGKILL) if still running when this process exits. */
export function tracked<T extends ChildProcess>(child: T): T {
  if (!hooked) {
    hooked = true;
    process.once("exit", () => killChildren());
  }
  if (child.exitCode === null && child.signalCode === null) {
    live.add(child);
    child.once("exit", () => live.delete(child));
  }
  return child;
}

/** Kill every tracked child still running; returns how many were. */
export function killChildren(signal: NodeJS.Signals = "SIGKILL"): number {
  const n = live.size;
  for (const child of live) child.kill(signal);
  live.clear();
  return n;
}
