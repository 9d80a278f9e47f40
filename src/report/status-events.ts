// Which controller events reach the status branch, and as what. Step-level
// detail (started, healthy, the new container of an update) stays in the
// logs; status keeps what a person scanning STATUS.md wants to see.

import type { StatusEvent, StatusEventKind } from "../status/index.js";
import type { ControllerEvent, EventKind } from "./events.js";

const KIND: Partial<Record<EventKind, StatusEventKind>> = {
  moved: "moved",
  updated: "replaced",
  restarted: "restarted",
  failed: "failed",
  "update-failed": "failed",
  "rollback-failed": "failed",
  skipped: "failed",
  "rolled-back": "rolled-back",
  paused: "paused",
  "image-pull-failed": "image-pull-failed",
  "update-started": "update-started",
  "update-completed": "update-completed",
  applied: "applied",
  unschedulable: "unschedulable",
  rejected: "rejected",
  "host-down": "host-down",
  "host-up": "host-up",
  "moves-throttled": "moves-throttled",
  "resumed-from-cache": "resumed-from-cache",
  "host-removed": "host-removed",
  "host-cleaned": "host-cleaned",
  "data-moved": "data-moved",
  "data-move-failed": "data-move-failed",
};

export function toStatusEvent(e: ControllerEvent): StatusEvent | undefined {
  let kind = KIND[e.kind];
  // A new slot's container, and a surplus or pruned one going away; not the containers of updates.
  if (e.kind === "created" && e.change === "create") kind = "created";
  if (e.kind === "removed" && e.change === "remove") kind = "removed";
  if (kind === undefined) return undefined;
  return {
    time: e.time,
    kind,
    ...(e.service !== "" ? { service: e.service } : {}),
    ...(e.slot !== undefined && e.slot !== "" ? { slot: e.slot } : {}),
    ...(e.host !== undefined ? { host: e.host } : {}),
    message: e.message,
  };
}
