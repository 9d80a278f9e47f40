// Where an operator configuration keeps its suspend switch, and what it says:
// the work_dir file, and in a standby group the fleet's etcd key and resume
// mark. The operator's change gate reads it on every poll, `gitfleet status
// --config` reads it live, `suspend`/`resume` set and clear it.

import type { EtcdHttp } from "./etcd-http.js";
import { etcdSuspendSwitch, type SharedSuspendSwitch } from "./etcd-suspend.js";
import { fileHold } from "../system/suspend-switch.js";
import type { OperatorConfig } from "../../config/index.js";
import { leaderKey, resumedKey, suspendKey } from "../../config/leader-election.js";
import { suspendStateOf, type SuspendState } from "../../model/suspend.js";

/** The fleet's switch in etcd; undefined without leader_election. */
export function sharedSwitchOf(
  config: OperatorConfig,
  client: EtcdHttp | undefined,
  readDeadlineMs: number,
): SharedSuspendSwitch | undefined {
  const election = config.leaderElection;
  if (election === undefined || client === undefined) return undefined;
  const leader = leaderKey(election, config.ceiling.cluster);
  return etcdSuspendSwitch(client, {
    key: suspendKey(leader),
    resumedKey: resumedKey(leader),
    readDeadlineMs,
  });
}

/** Reads every switch of the configuration and says what they mean together (never rejects). */
export function suspendStateReader(
  workDir: string,
  shared: SharedSuspendSwitch | undefined,
): () => Promise<SuspendState> {
  return async () => {
    const [file, sharedRead] = await Promise.all([fileHold(workDir), shared?.read()]);
    return suspendStateOf(file, sharedRead);
  };
}
