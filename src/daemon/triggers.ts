// Triggers only say "look again": the poll schedule (node-cron), the webhook,
// Docker events. None of them carries what to do; the pass finds out.

import cron, { type ScheduledTask } from "node-cron";
import type { DriverEvent } from "../ports/host.js";

export type MarkDue = (reason: string) => void;

export interface Trigger {
  readonly name: string;
  start(markDue: MarkDue): Promise<void>;
  stop(): Promise<void>;
}

/** A pass every time the cron expression (with seconds) fires. */
export function cronTrigger(expression: string): Trigger {
  let task: ScheduledTask | undefined;
  return {
    name: `poll ${expression}`,
    async start(markDue) {
      // schedule() starts the task; its callback only marks a pass as due, so runs never overlap.
      task = cron.schedule(expression, () => markDue("poll"), { name: "gitfleet-poll" });
      await Promise.resolve();
    },
    async stop() {
      await task?.destroy();
      task = undefined;
    },
  };
}

/** Which Docker events make a pass due: a replica ended, turned unhealthy or vanished; a resync. */
export function eventReason(host: string, e: DriverEvent): string | undefined {
  if (e.kind === "connected") return `events from ${host} (re)connected: resync`;
  if (e.kind === "disconnected") return undefined;
  const a = e.action;
  if (a === "die" || a === "oom" || a === "destroy" || a === "health_status: unhealthy") {
    return `${a} of ${e.service ?? e.containerId.slice(0, 12)} on ${host}`;
  }
  return undefined;
}
