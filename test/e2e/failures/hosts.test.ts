// Host failure drills (issue 6) on the three-host test bed, one operator
// living through them in order: a host's dockerd killed, frozen (SIGSTOP: its
// API hangs) and cut off the network. Each time its replicas must serve on the
// survivors within 10 s, status must say the host is down, and once the host
// is back its stale containers are fenced off: exactly one container per slot,
// never fewer serving than desired, status in Git naming the real containers.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cutHost,
  freezeHost,
  killHost,
  resetTestbed,
  restoreHost,
  startHost,
  thawHost,
  type TestbedHost,
} from "../../support/testbed.js";
import { BED_POLL, OperatorWorld } from "../operator/support.js";
import { pollUntil } from "../../support/poll.js";
import {
  busiest,
  DESIRED,
  failureCluster,
  failureServices,
  hostState,
  others,
  servingLow,
  servingOn,
  settled,
} from "./support.js";

const TARGET_MS = 10_000;
let world: OperatorWorld;
const measured: Record<string, number> = {};

beforeAll(async () => {
  await resetTestbed();
  world = await OperatorWorld.create({});
  await world.push({ "cluster.yaml": failureCluster(), ...failureServices() }, "failure drills");
  world.startOperator();
  await pollUntil("the drill services deployed", () => settled(world), { ...BED_POLL, timeoutMs: 120_000 });
}, 180_000);

afterAll(async () => {
  process.stderr.write(`[failover] measured: ${JSON.stringify(measured)}\n`);
  await world?.close();
  await resetTestbed();
});

/** Fault, failover within the target, status says down; repair, fencing, status matches reality. */
async function drill(
  name: string,
  fault: (h: TestbedHost) => Promise<void>,
  repair: (h: TestbedHost) => Promise<void>,
): Promise<void> {
  const before = await pollUntil("a settled cluster", () => settled(world), {
    ...BED_POLL,
    timeoutMs: 60_000,
  });
  const victim = busiest(before);
  expect(before.some((c) => c.host === victim.name)).toBe(true);
  const started = Date.now();
  await fault(victim);
  await pollUntil("every replica serving on the survivors", () => servingOn(others(victim)), {
    ...BED_POLL,
    timeoutMs: 30_000,
  });
  const ms = Date.now() - started;
  measured[name] = ms;
  expect(ms).toBeLessThan(TARGET_MS);
  await pollUntil(
    `status: ${victim.name} down`,
    async () => (await hostState(world, victim.name)) === "down",
    BED_POLL,
  );

  // Back: sample what serves while the stale containers are fenced off.
  const watch = servingLow(Object.keys(DESIRED));
  await repair(victim);
  const after = await pollUntil("one container per slot, status matching", () => settled(world), {
    ...BED_POLL,
    timeoutMs: 60_000,
  });
  expect(await watch.stop()).toBeGreaterThanOrEqual(Math.min(...Object.values(DESIRED)));
  // The replicas stay where they moved (no rebalance): the returned host holds nothing stale.
  expect(after.filter((c) => c.host === victim.name)).toEqual([]);
  await pollUntil(
    `status: ${victim.name} up again`,
    async () => (await hostState(world, victim.name)).startsWith("up"),
    BED_POLL,
  );
  expect(world.output).toContain(`host ${victim.name}: up → down`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("host failures", () => {
  it("fails over a host whose dockerd is killed, and fences its containers when it restarts", async () => {
    await drill("kill", killHost, startHost);
  }, 180_000);

  it("fails over a frozen host (its API hangs), and fences its containers after the thaw", async () => {
    await drill("freeze", freezeHost, thawHost);
  }, 180_000);

  it("fails over a host cut off the network, and fences its containers when the link is back", async () => {
    await drill("cut", cutHost, restoreHost);
  }, 180_000);

  it("moves a flapping host's replicas once, and gives it no work while it flaps", async () => {
    const before = await pollUntil("a settled cluster", () => settled(world), {
      ...BED_POLL,
      timeoutMs: 60_000,
    });
    const victim = busiest(before);
    const lost = before.filter((c) => c.host === victim.name).length;
    const from = world.output.length;
    for (let i = 0; i < 3; i++) {
      await freezeHost(victim);
      await sleep(4_500); // longer than host_down_after: declared down every time
      await thawHost(victim);
      await sleep(2_000); // shorter than host_stable_after: still on probation when it fails again
    }
    const after = await pollUntil("one container per slot, status matching", () => settled(world), {
      ...BED_POLL,
      timeoutMs: 60_000,
    });
    expect(after.filter((c) => c.host === victim.name)).toEqual([]);
    const log = world.output.slice(from);
    const moves = log.match(/"msg":"[^"]* moved on /g) ?? [];
    expect(moves).toHaveLength(lost);
    expect(log.match(new RegExp(`host ${victim.name}: up → down`, "g"))?.length ?? 0).toBeGreaterThanOrEqual(
      3,
    );
  }, 180_000);
});
