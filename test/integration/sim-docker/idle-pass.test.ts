// An idle operator's pass (the minute's Git poll, nothing changed) with the
// production wiring on three simulated Docker hosts: it renders no status
// (its input is the pass before's) and makes no status commit; a new commit
// after it is rendered and committed as before.

import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { PassOutcome } from "../../../src/reconcile/reconciler.js";
import { gitCli } from "../../support/git-fixtures.js";
import { SimDockerEngine } from "../../support/sim-docker/server.js";
import { SimFleet } from "../../support/sim-docker/fleet.js";

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function pass(fleet: SimFleet, why: string): Promise<PassOutcome> {
  const done = fleet.nextPass();
  fleet.operator.markDue(why);
  return done;
}

const statusHead = async (fleet: SimFleet): Promise<string> =>
  (await gitCli(fleet.repo, ["rev-parse", "gitfleet/status"])).trim();

describe("an idle pass on the real operator", () => {
  it("renders and commits no status; a new commit is still reported", async () => {
    const engine = await SimDockerEngine.start(3);
    open.push(engine);
    const fleet = await SimFleet.create({
      endpoints: engine.hosts.map((h) => h.docker),
      services: 2,
      replicasPerService: 3,
      // Not a failover test: a heartbeat starved of CPU must not change a host's state.
      hostDownAfter: "60s",
    });
    open.push(fleet);
    const converged = fleet.nextPass((o) => o.converged);
    await fleet.operator.start();
    await converged;
    // Settled: the passes after the deploy (its events, the status commit paced 5 s) are done.
    const reconciler = fleet.operator.reconciler;
    for (let i = 0; i < 100 && !reconciler.statusRender.reused; i++) {
      await reconciler.flushStatus();
      await pass(fleet, "test: settle");
    }
    await reconciler.flushStatus();
    const head = await statusHead(fleet);

    for (let i = 0; i < 3; i++) {
      const o = await pass(fleet, "test: poll, nothing changed");
      expect(o.converged).toBe(true);
      expect(reconciler.statusRender.reused).toBe(true);
    }
    await reconciler.flushStatus();
    expect(await statusHead(fleet)).toBe(head);

    await fleet.changeService("s1", 2);
    const commit = (await gitCli(fleet.repo, ["rev-parse", "HEAD"])).trim();
    const applied = fleet.nextPass((o) => o.converged && o.snapshot?.desired?.commit === commit);
    fleet.operator.markDue("test: commit");
    await applied;
    expect(reconciler.statusRender.reused).toBe(false);
    await reconciler.flushStatus();
    expect(await statusHead(fleet)).not.toBe(head);
    const cluster = parse(await gitCli(fleet.repo, ["show", "gitfleet/status:status/cluster.yaml"])) as {
      desired_commit?: { commit: string };
      applied_commit?: string;
    };
    expect(cluster.desired_commit?.commit).toBe(commit);
    expect(cluster.applied_commit).toBe(commit);
  });
});
