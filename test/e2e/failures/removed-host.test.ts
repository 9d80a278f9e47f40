// Issue 15, item 3: a host removed from cluster.yaml is drained (replacement
// first: never fewer serving replicas than desired), then everything gitfleet
// put on it is removed: its replicas, its global-service container, its edge,
// its lock record and the cluster network. Status says so on the way.

import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerFor, hostNamed, resetTestbed } from "../../support/testbed.js";
import { BED_POLL, CLUSTER, managed, managedOn, OperatorWorld } from "../operator/support.js";
import { pollUntil } from "../../support/poll.js";
import { failureCluster, failureServices, hostState, replicas, servingLow, settled } from "./support.js";

const AGENT = `kind: Service
name: agent
image: gitfleet/busybox:1.35
command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
deploy: {mode: global}
`;
const WITH_AGENT = { web: 3, api: 2, agent: 3 };
const AFTER = { web: 3, api: 2, agent: 2 };
let world: OperatorWorld;

const withoutH3 = () =>
  failureCluster()
    .split("\n")
    .filter((l) => !l.includes("{name: h3,"))
    .join("\n");

beforeAll(async () => {
  await resetTestbed();
  world = await OperatorWorld.create({});
  await world.push(
    { "cluster.yaml": failureCluster(), ...failureServices(), "services/agent.yaml": AGENT },
    "removed-host drill",
  );
  world.startOperator();
  await pollUntil("the drill services deployed", () => settled(world, WITH_AGENT), {
    ...BED_POLL,
    timeoutMs: 120_000,
  });
}, 180_000);

afterAll(async () => {
  await world?.close();
  await resetTestbed();
});

/** Everything of the cluster on h3: managed containers, the lock record, the cluster network. */
async function leftOnH3(): Promise<string[]> {
  const h3 = hostNamed("h3");
  const docker = dockerFor(h3, { timeoutMs: 5_000 });
  const containers = (await managedOn(h3)).map((c) => c.name);
  const locks = (
    await docker.listContainers({ all: true, filters: { label: [`gitfleet.lock=${CLUSTER}`] } })
  ).map((c) => (c.Names[0] ?? "").replace(/^\//, ""));
  const networks = (await docker.listNetworks()).filter((n) => n.Name === `gf-${CLUSTER}`).map((n) => n.Name);
  return [...containers, ...locks, ...networks];
}

describe("a host removed from cluster.yaml", () => {
  it("is drained replacement first, then everything gitfleet put on it is removed", async () => {
    const before = replicas(await managed());
    expect(before.filter((c) => c.host === "h3").length).toBeGreaterThan(0);
    expect(await leftOnH3()).toContain(`gf-${CLUSTER}-edge`);
    const watch = servingLow(["web", "api"]);
    await world.push({ "cluster.yaml": withoutH3() }, "remove h3");

    await pollUntil(
      "status: h3 draining, removed from cluster.yaml",
      async () => {
        const doc = parse(await world.status("status/cluster.yaml")) as {
          hosts?: Record<string, { state?: string; removed_from_cluster_yaml?: boolean }>;
        } | null;
        const h3 = doc?.hosts?.["h3"];
        return h3?.removed_from_cluster_yaml === true && h3.state === "draining";
      },
      BED_POLL,
    );
    expect(await world.status("STATUS.md")).toMatch(/\| h3 \| draining \(removed from cluster\.yaml\) \|/);

    await pollUntil(
      "nothing of the cluster left on h3",
      async () => ((await leftOnH3()).length === 0 ? true : undefined),
      { ...BED_POLL, timeoutMs: 120_000 },
    );
    const after = await pollUntil("settled on h1 and h2", () => settled(world, AFTER), {
      ...BED_POLL,
      timeoutMs: 60_000,
    });
    expect(await watch.stop()).toBeGreaterThanOrEqual(2);

    // Exact counts on every host.
    const all = await managed();
    for (const host of ["h1", "h2"]) {
      const mine = all.filter((c) => c.host === host);
      expect(mine.filter((c) => c.service === "agent")).toHaveLength(1);
      expect(mine.filter((c) => c.name === `gf-${CLUSTER}-edge`)).toHaveLength(1);
    }
    expect(all.filter((c) => c.host === "h3")).toEqual([]);
    expect(after.filter((c) => c.service === "web")).toHaveLength(3);
    expect(after.filter((c) => c.service === "api")).toHaveLength(2);

    // Status: h3 is gone from the hosts, and the events say what happened to it.
    await pollUntil("status: h3 gone", async () => (await hostState(world, "h3")) === "", BED_POLL);
    const doc = await world.status("status/cluster.yaml");
    expect(doc).toContain("kind: host-removed");
    expect(doc).toContain("host h3 removed from cluster.yaml: its replicas move off (replacement first)");
    expect(doc).toContain("kind: host-cleaned");
  }, 300_000);
});
