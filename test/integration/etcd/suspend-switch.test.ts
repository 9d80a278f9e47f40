// The fleet's suspend switch in a real etcd (Debian's etcd-server): set with its
// note and revision, outliving the leader's lease; resume clears it and leaves
// the resume mark in one transaction; a read is ok: false with a code when no
// member answers (never a URL's password), and one read has one deadline
// however many endpoints hang.

import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createEtcdHttp } from "../../../src/adapters/etcd/etcd-http.js";
import { etcdLeaseStore } from "../../../src/adapters/etcd/etcd-lease.js";
import { etcdSuspendSwitch } from "../../../src/adapters/etcd/etcd-suspend.js";
import { type EtcdCluster, startEtcd } from "../../support/etcd.js";
import { EtcdFaultProxy } from "../../support/etcd-fault-proxy.js";

let etcd: EtcdCluster;
beforeAll(async () => {
  etcd = await startEtcd(1);
});
afterAll(async () => {
  await etcd?.stop();
});
const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
});

let keyNo = 0;
const keys = (): { key: string; resumedKey: string; leader: string } => {
  const base = `gitfleet-test/switch-${process.pid}-${++keyNo}`;
  return { key: `${base}/suspended`, resumedKey: `${base}/resumed`, leader: `${base}/leader` };
};
const AT = Date.parse("2026-12-07T10:00:00Z");

describe("the fleet's suspend switch in etcd", () => {
  it("is set with its note, outlives the leader's lease; resume clears it and marks a newer revision", async () => {
    const k = keys();
    const client = createEtcdHttp({ endpoints: etcd.endpoints, timeoutMs: 1_000 });
    const sw = etcdSuspendSwitch(client, { ...k, readDeadlineMs: 1_000 });
    expect(await sw.read()).toEqual({ ok: true, hold: undefined, resumed: undefined });
    const lease = etcdLeaseStore(client, k.leader);
    const term = await lease.campaign("a", 2_000);
    const setAt = await sw.write({ reason: "incident 42", by: "ops@h1", at: AT });
    await lease.resign(term!);
    expect(setAt).toBeGreaterThan(0);
    expect(await sw.read()).toEqual({
      ok: true,
      hold: { switch: "etcd", where: k.key, note: { reason: "incident 42", by: "ops@h1", at: AT } },
      resumed: undefined,
    });
    const r = await sw.resume({ by: "ops@h2", at: AT + 1000 });
    expect(r.removed).toBe(true);
    expect(r.revision).toBeGreaterThan(setAt);
    expect(await sw.read()).toEqual({
      ok: true,
      hold: undefined,
      resumed: { key: k.resumedKey, revision: r.revision, note: { by: "ops@h2", at: AT + 1000 } },
    });
    expect((await sw.resume({ by: "ops@h2" })).removed).toBe(false);
  });

  it("reads ok: false with etcd-unreachable when no member answers, never showing a URL's password", async () => {
    const sw = etcdSuspendSwitch(
      createEtcdHttp({ endpoints: ["http://ops:hunter2-secret@127.0.0.1:1"], timeoutMs: 1_000 }),
      { ...keys(), readDeadlineMs: 1_000 },
    );
    const read = await sw.read();
    expect(read).toMatchObject({ ok: false, code: "etcd-unreachable" });
    expect(JSON.stringify(read)).not.toContain("hunter2");
    await expect(sw.write({})).rejects.toMatchObject({ code: "etcd-unreachable" });
  });

  it("gives up one read after its deadline, not one per endpoint, when every member hangs", async () => {
    const k = keys();
    const proxies = await Promise.all([1, 2, 3, 4].map(() => EtcdFaultProxy.start(etcd.endpoints[0]!)));
    open.push(...proxies);
    for (const p of proxies) p.hangReadsOf = k.key;
    // Each request may take 1.5 s: four endpoints tried in turn would take 6 s.
    const client = createEtcdHttp({ endpoints: proxies.map((p) => p.url), timeoutMs: 1_500 });
    const sw = etcdSuspendSwitch(client, { ...k, readDeadlineMs: 1_500 });
    const started = Date.now();
    const read = await sw.read();
    const took = Date.now() - started;
    expect(read).toMatchObject({ ok: false, code: "etcd-unreachable" });
    expect(proxies[0]!.failedReads).toBe(1);
    expect(proxies.slice(1).every((p) => p.failedReads === 0)).toBe(true);
    expect(took).toBeGreaterThanOrEqual(1_400);
    expect(took).toBeLessThan(4_000);
  });
});
