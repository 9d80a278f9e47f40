// Standby operators: only the current leader pushes status, and every status
// commit says which term wrote it (trailer Gitfleet-Epoch), so the status
// history shows one writer at a time and a stale leader's late push would stand out.

import type { Leadership } from "../model/leadership.js";
import type { StatusSink } from "../ports/index.js";

export const EPOCH_TRAILER = "Gitfleet-Epoch";

export function leaderGatedSink(sink: StatusSink, leadership: Leadership): StatusSink {
  return {
    async write(files, message) {
      const term = leadership.term;
      if (term === undefined || !leadership.mayAct()) {
        return { committed: false, pushed: false, error: "not the leader (any more): status not pushed" };
      }
      return sink.write(files, `${message.trimEnd()}\n\n${EPOCH_TRAILER}: ${term.epoch}\n`);
    },
    ...(sink.readStatus !== undefined ? { readStatus: () => sink.readStatus!() } : {}),
  };
}
