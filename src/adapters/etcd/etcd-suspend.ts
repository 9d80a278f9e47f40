// The fleet-wide suspend switch of a standby group: one etcd key beside the
// leader key, holding the same JSON note as the work_dir file. Every instance
// reads it, so a suspend holds whichever instance leads (as `flux suspend`
// sets spec.suspend on the shared resource, not on one controller replica).
// No lease: it must outlive every operator, and only `gitfleet resume` lifts it.
// Resume also leaves a mark beside it (`.../resumed`, its revision): a work_dir
// file set before that no longer holds (src/model/suspend.ts).

import type { ResumeMark, SharedRead, SuspendNote } from "../../model/suspend.js";
import { formatSuspendNote, parseSuspendNote } from "../system/suspend-switch.js";
import type { EtcdHttp } from "./etcd-http.js";

export interface SharedSuspendSwitch {
  readonly key: string;
  readonly resumedKey: string;
  /**
   * The key and the resume mark, in one request within one deadline (whatever the number of
   * endpoints): `ok: false` with why when etcd cannot say.
   */
  read(): Promise<SharedRead>;
  /** Sets the switch; resolves the etcd revision it was set at. */
  write(note: SuspendNote): Promise<number>;
  /** Clears the switch and sets the resume mark at once; true when a switch was removed. */
  resume(note: SuspendNote): Promise<{ readonly removed: boolean; readonly revision: number }>;
}

export interface SharedSwitchOptions {
  readonly key: string;
  readonly resumedKey: string;
  /** Deadline of one read, all endpoints together. */
  readonly readDeadlineMs: number;
}

export function etcdSuspendSwitch(client: EtcdHttp, o: SharedSwitchOptions): SharedSuspendSwitch {
  return {
    key: o.key,
    resumedKey: o.resumedKey,
    async read() {
      try {
        const [kv, mark] = await client.getAll([o.key, o.resumedKey], { deadlineMs: o.readDeadlineMs });
        const resumed: ResumeMark | undefined =
          mark === undefined
            ? undefined
            : { key: o.resumedKey, revision: mark.modRevision, note: parseSuspendNote(mark.value) };
        const hold =
          kv === undefined
            ? undefined
            : { switch: "etcd" as const, where: o.key, note: parseSuspendNote(kv.value) };
        return { ok: true, hold, resumed };
      } catch (err) {
        const code = (err as { code?: unknown } | null)?.code;
        const message = err instanceof Error ? err.message : String(err);
        return { ok: false, code: typeof code === "string" ? code : "etcd-unreachable", message };
      }
    },
    write: (note) => client.put(o.key, formatSuspendNote(note)),
    resume: (note) => client.removeAndPut(o.key, o.resumedKey, formatSuspendNote(note)),
  };
}
