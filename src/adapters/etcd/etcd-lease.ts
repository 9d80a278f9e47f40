// The LeaseStore port on etcd: the leader key exists while its lease lives; whoever
// creates it leads. Its create revision is the term's epoch: etcd's revision only
// grows, so every new term has a larger epoch than any before it, whoever wins.

import type { LeaderRecord, LeaseStore, LeaseTerm } from "../../model/leadership.js";
import type { EtcdHttp } from "./etcd-http.js";

export function etcdLeaseStore(client: EtcdHttp, leaderKey: string): LeaseStore {
  return {
    async campaign(holder, ttlMs) {
      const leaseId = await client.grant(Math.max(1, Math.ceil(ttlMs / 1000)));
      const { created, kv } = await client.putIfAbsent(leaderKey, holder, leaseId);
      if (created && kv !== undefined && kv.lease === leaseId)
        return { holder, epoch: kv.createRevision, leaseId };
      // Lost: give the unused lease back rather than let it linger for a TTL.
      await client.revoke(leaseId).catch(() => undefined);
      return undefined;
    },
    async renew(term: LeaseTerm) {
      const ttl = await client.keepAlive(term.leaseId);
      if (ttl <= 0) return false;
      // The lease lives, but is the key still ours? (an operator may have deleted it by hand)
      const kv = await client.get(leaderKey);
      return kv !== undefined && kv.lease === term.leaseId && kv.createRevision === term.epoch;
    },
    async resign(term) {
      await client.revoke(term.leaseId);
    },
    async leader(): Promise<LeaderRecord | undefined> {
      const kv = await client.get(leaderKey);
      return kv === undefined ? undefined : { holder: kv.value, epoch: kv.createRevision };
    },
  };
}
