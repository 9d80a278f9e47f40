// Resource shortage drills of issue 6: a host's capacity shrinks in Git (a
// capacity override in cluster.yaml) so the replica it holds no longer fits.
// It moves to a host that still has room, start-first, within the rest of the
// cluster's limits; and when no host has room, status names the service
// unschedulable with its reasons: never silently dropped. A host label change
// moves a constrained replica the same way.

import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostNamed, resetTestbed, TESTBED } from "../../support/testbed.js";
import { BED_POLL, type Managed, OperatorWorld } from "../operator/support.js";
import { pollUntil } from "../../support/poll.js";
import { failureCluster, hostState, others, servingLow, servingOn, settled } from "./support.js";

/** 100 MiB reserved per replica, at most one per host: two replicas on three hosts. */
const HEAVY = `kind: Service
name: heavy
image: gitfleet/busybox:1.35
command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
deploy:
  replicas: 2
  placement: {max_replicas_per_node: 1}
  resources: {reservations: {memory: 100M}}
  update_config: {order: start-first, monitor: 1s}
  restart_policy: {delay: 1s}
`;
/** One replica wherever the host label role=pinned is. */
const PINNED = HEAVY.replace("name: heavy", "name: pinned")
  .replace("replicas: 2", "replicas: 1")
  .replace("{max_replicas_per_node: 1}", '{constraints: ["node.labels.role == pinned"]}')
  .replace("  resources: {reservations: {memory: 100M}}\n", "");
const SHRUNK_BYTES = 50 * 1024 * 1024;

/** The drill cluster with these hosts shrunk to 50 MiB (too small for one heavy replica) and the role label on one. */
function cluster(shrink: readonly string[], pinnedOn?: string): string {
  return failureCluster()
    .split("\n")
    .map((line) => {
      const host = /\{name: ([^,]+),/.exec(line)?.[1];
      if (host === undefined) return line;
      let out = line;
      if (shrink.includes(host))
        out = out.replace(`{name: ${host},`, `{name: ${host}, capacity: {memory: 50M},`);
      if (host === pinnedOn) out = out.replace("labels: {", "labels: {role: pinned, ");
      if (out === line && (shrink.includes(host) || host === pinnedOn))
        throw new Error("failureCluster() changed: update cluster()");
      return out;
    })
    .join("\n");
}

interface ClusterStatus {
  sync?: string;
  desired_commit?: { commit?: string };
  applied_commit?: string;
  hosts?: Record<string, { state?: string; memory_bytes?: { total?: number } }>;
  unschedulable?: Record<string, string[]>;
}
interface ServiceStatus {
  state?: string;
  desired?: number;
  running?: number;
  unschedulable?: string[];
}

let world: OperatorWorld;
const clusterStatus = async () => (parse(await world.status("status/cluster.yaml")) ?? {}) as ClusterStatus;
const serviceStatus = async (name: string) =>
  (parse(await world.status(`status/services/${name}.yaml`)) ?? {}) as ServiceStatus;
const sameCommit = (a: string | undefined, full: string) =>
  a !== undefined && a.length >= 7 && full.startsWith(a);
const ids = (list: readonly Managed[], service: string) =>
  list
    .filter((c) => c.service === service)
    .map((c) => c.id)
    .sort();

beforeAll(async () => {
  await resetTestbed();
  world = await OperatorWorld.create({});
  await world.push({ "cluster.yaml": cluster([]), "services/heavy.yaml": HEAVY }, "shortage drill");
  world.startOperator();
  await pollUntil("heavy deployed", () => settled(world, { heavy: 2 }), { ...BED_POLL, timeoutMs: 120_000 });
}, 180_000);

afterAll(async () => {
  await world?.close();
  await resetTestbed();
});

describe("resource shortage", () => {
  it("moves a replica off a host whose capacity shrinks, reports what cannot fit, recovers", async () => {
    const before = await pollUntil("settled", () => settled(world, { heavy: 2 }), {
      ...BED_POLL,
      timeoutMs: 60_000,
    });
    const [shrinking, staying] = before;
    if (shrinking === undefined || staying === undefined) throw new Error("two heavy replicas expected");
    const victim = hostNamed(shrinking.host);

    // Step 1: shrink the host of one replica. Two hosts left with room, one replica per host: it moves.
    let watch = servingLow("heavy");
    const shrunk = await world.push({ "cluster.yaml": cluster([victim.name]) }, `shrink ${victim.name}`);
    await pollUntil("heavy off the shrunk host", () => servingOn(others(victim), { heavy: 2 }), {
      ...BED_POLL,
      timeoutMs: 60_000,
    });
    const moved = await pollUntil(
      "settled on the shrink commit",
      async () => {
        const all = await settled(world, { heavy: 2 });
        return all !== undefined && sameCommit((await clusterStatus()).applied_commit, shrunk)
          ? all
          : undefined;
      },
      { ...BED_POLL, timeoutMs: 60_000 },
    );
    // Start-first: the replacement served before the old replica stopped.
    expect(await watch.stop()).toBe(2);
    expect(moved.filter((c) => c.host === victim.name)).toEqual([]);
    expect(new Set(moved.map((c) => c.host)).size).toBe(2);
    expect(moved.find((c) => c.slot === shrinking.slot)?.host).not.toBe(victim.name);
    // The replica that still fitted was left alone.
    expect(moved.find((c) => c.slot === staying.slot)?.id).toBe(staying.id);
    let status = await clusterStatus();
    expect(status.hosts?.[victim.name]?.memory_bytes?.total).toBe(SHRUNK_BYTES);
    expect(status.hosts?.[victim.name]?.state).toBe("up");
    expect(status.unschedulable).toBeUndefined();
    expect((await serviceStatus("heavy")).unschedulable).toBeUndefined();

    // Step 2: shrink a second host. One host with room is left for two replicas, at most one per host.
    const second = moved.find((c) => c.slot === shrinking.slot);
    const kept = moved.find((c) => c.slot === staying.slot);
    if (second === undefined || kept === undefined) throw new Error("both slots expected");
    const tight = await world.push(
      { "cluster.yaml": cluster([victim.name, second.host]) },
      `shrink ${second.host} too`,
    );
    const heavy = await pollUntil(
      "heavy reported unschedulable",
      async () => {
        const s = await serviceStatus("heavy");
        return s.unschedulable !== undefined && s.running === 1 ? s : undefined;
      },
      { ...BED_POLL, timeoutMs: 60_000 },
    );
    expect(heavy.desired).toBe(2);
    expect(heavy.state).toBe("degraded");
    expect(heavy.unschedulable?.join("\n")).toMatch(/insufficient memory/);
    status = await clusterStatus();
    expect(status.desired_commit?.commit).toBe(tight);
    expect(status.sync).toBe("Degraded");
    expect(status.unschedulable?.["heavy"]?.join("\n")).toMatch(/insufficient memory/);
    // The slot that fits keeps running, untouched; the other has no container anywhere.
    const short = await pollUntil("one heavy container, status agrees", () => settled(world, { heavy: 1 }), {
      ...BED_POLL,
      timeoutMs: 60_000,
    });
    expect(short.map((c) => `${c.slot}@${c.host}:${c.id}`)).toEqual([`${kept.slot}@${kept.host}:${kept.id}`]);

    // Step 3: capacity back. Both replicas run again and nothing is reported unschedulable.
    watch = servingLow("heavy");
    const restored = await world.push({ "cluster.yaml": cluster([]) }, "capacity restored");
    const after = await pollUntil(
      "settled on the restore commit, unschedulable cleared",
      async () => {
        const all = await settled(world, { heavy: 2 });
        if (all === undefined) return undefined;
        const [c, s] = [await clusterStatus(), await serviceStatus("heavy")];
        const clear = c.unschedulable === undefined && s.unschedulable === undefined;
        return clear && sameCommit(c.applied_commit, restored) ? all : undefined;
      },
      { ...BED_POLL, timeoutMs: 90_000 },
    );
    expect(await watch.stop()).toBeGreaterThanOrEqual(1);
    expect(after.find((c) => c.slot === kept.slot)?.id).toBe(kept.id);
    expect((await clusterStatus()).sync).toBe("Synced");
  }, 300_000);

  it("moves a constrained replica when the host label changes", async () => {
    const [first, next] = TESTBED.hosts;
    if (first === undefined || next === undefined) throw new Error("three test hosts expected");
    const desired = { heavy: 2, pinned: 1 };
    await world.push({ "cluster.yaml": cluster([], first.name), "services/pinned.yaml": PINNED }, "pinned");
    const before = await pollUntil("pinned on the labelled host", () => settled(world, desired), {
      ...BED_POLL,
      timeoutMs: 60_000,
    });
    expect(before.find((c) => c.service === "pinned")?.host).toBe(first.name);

    const watch = servingLow("pinned");
    const relabel = await world.push({ "cluster.yaml": cluster([], next.name) }, `role=pinned: ${next.name}`);
    const after = await pollUntil(
      "pinned moved to the relabelled host",
      async () => {
        const all = await settled(world, desired);
        const moved = all?.find((c) => c.service === "pinned")?.host === next.name;
        return moved && sameCommit((await clusterStatus()).applied_commit, relabel) ? all : undefined;
      },
      { ...BED_POLL, timeoutMs: 60_000 },
    );
    expect(await watch.stop()).toBe(1);
    // Other services are not touched by a label they do not use.
    expect(ids(after, "heavy")).toEqual(ids(before, "heavy"));
    expect(await hostState(world, first.name)).toBe("up");
  }, 180_000);
});
