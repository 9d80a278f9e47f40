// The fleet-wide suspend switch of a standby group: one etcd key beside the
// leader key, holding the same JSON note as the work_dir file. Every instance
// reads it, so a suspend holds whichever instance leads (as `flux suspend`
// sets spec.suspend on the shared resource, not on one controller replica).
// No lease: it must outlive every operator, and only `gitfleet resume` lifts it.

import type { SuspendNote } from "../../desired/change-gate.js";
import { formatSuspendNote, parseSuspendNote } from "../system/suspend-switch.js";
import type { EtcdHttp } from "./etcd-http.js";

export interface SharedSuspendSwitch {
  readonly key: string;
  /** The note as set, undefined when not set; rejects (EtcdError) when etcd cannot say. */
  read(): Promise<SuspendNote | undefined>;
  write(note: SuspendNote): Promise<void>;
  /** True when a switch was removed. */
  clear(): Promise<boolean>;
}

export function etcdSuspendSwitch(client: EtcdHttp, key: string): SharedSuspendSwitch {
  return {
    key,
    async read() {
      const kv = await client.get(key);
      return kv === undefined ? undefined : parseSuspendNote(kv.value);
    },
    write: (note) => client.put(key, formatSuspendNote(note)),
    clear: () => client.remove(key),
  };
}
