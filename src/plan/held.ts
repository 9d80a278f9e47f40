// A held service (its rollout to this spec hash paused or rolled back) is left
// as it is, except that a slot with no live container gets its best stopped
// one started again, as restart_policy allows: Swarm's orchestrator, too,
// keeps restarting tasks of a paused update.

import type { ObservedReplica } from "../model/observed.js";
import { healthRank } from "../schedule/replica-order.js";
import { compareSlots } from "../schedule/slots.js";
import { restartAllowed } from "./restart.js";
import type { ServiceCtx } from "./slot.js";
import { isLive, refOf, waitStep } from "./steps.js";
import type { Task } from "./types.js";

export function planHeld(sc: ServiceCtx, bySlot: ReadonlyMap<string, readonly ObservedReplica[]>): Task[] {
  const tasks: Task[] = [];
  const policy = sc.spec.deploy.restartPolicy;
  for (const slot of [...bySlot.keys()].sort(compareSlots)) {
    const list = bySlot.get(slot) ?? [];
    if (list.some(isLive) || sc.restartHeld(slot)) continue;
    const r = [...list]
      .filter((c) => sc.reachable(c.host) && (c.state === "exited" || c.state === "created"))
      .sort((a, b) => healthRank(a) - healthRank(b) || b.createdAt - a.createdAt)[0];
    if (r === undefined || (r.state === "exited" && !restartAllowed(policy, r))) continue;
    const ref = refOf(r);
    tasks.push({
      service: sc.spec.name,
      slot,
      change: "restart",
      host: r.host,
      specHash: r.specHash,
      reason: `held service: ${r.state === "created" ? "start" : "restart"} ${r.name}`,
      steps: [
        { kind: "start", host: r.host, container: ref, reason: "restart (service held)" },
        waitStep(sc.spec, r.host, ref, 0),
      ],
      undo: [],
    });
  }
  return tasks;
}
