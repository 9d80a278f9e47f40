// gitfleet suspend with the production wiring (buildOperator: Git source,
// change gate, status sink) on three simulated Docker hosts: suspended, a new
// commit waits and the status branch names it with the reason while the old
// commit keeps running; a failed replica is still replaced; after
// `gitfleet resume` the commit is applied. Before any commit waits, status
// (the branch and `gitfleet status -c`) already says it is suspended.

import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { gitfleet } from "../../support/cli.js";
import { gitCli } from "../../support/git-fixtures.js";
import { SimDockerEngine } from "../../support/sim-docker/server.js";
import { SimFleet } from "../../support/sim-docker/fleet.js";

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

const images = (engine: SimDockerEngine) =>
  engine.hosts.flatMap((h) => h.host.list(false, ["gitfleet.service=s1"]).map((c) => c["Image"]));

/** status/cluster.yaml's `suspended:` once the status branch has it (the reporter commits at its pace). */
async function recordedIn(repo: string, present: boolean): Promise<unknown> {
  for (let i = 0; ; i++) {
    const doc = parse(await gitCli(repo, ["show", "gitfleet/status:status/cluster.yaml"])) as {
      suspended?: unknown;
    };
    if ((doc.suspended !== undefined) === present || i >= 100) return doc.suspended;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("suspend on the real operator", () => {
  it("holds a new commit with the reason in status, heals meanwhile, applies it on resume", async () => {
    const engine = await SimDockerEngine.start(3);
    open.push(engine);
    const fleet = await SimFleet.create({
      endpoints: engine.hosts.map((h) => h.docker),
      services: 1,
      replicasPerService: 3,
      hostDownAfter: "60s",
    });
    open.push(fleet);
    const config = path.join(fleet.dir, "gitfleet.yaml");
    const recorded = (present = true): Promise<unknown> => recordedIn(fleet.repo, present);
    const first = fleet.nextPass((o) => o.converged);
    await fleet.operator.start();
    await first;

    const s = await gitfleet(["suspend", "-c", config, "--reason", "incident 42"]);
    expect(s.code, s.stderr).toBe(0);
    // Nothing waits yet, and status says suspended all the same: the branch and the live switch.
    const noted = fleet.nextPass((o) => o.status?.suspension?.state === "suspended");
    fleet.operator.markDue("test: suspended");
    await noted;
    expect(await recorded()).toMatchObject({
      state: "suspended",
      holds: [{ switch: "file", reason: "incident 42", by: expect.stringMatching(/@/) }],
    });
    const live = await gitfleet(["status", "-c", config, "--json"]);
    expect(JSON.parse(live.stdout)).toMatchObject({
      waiting_commit: null,
      suspended: { state: "suspended", source: "switch", holds: [{ switch: "file", reason: "incident 42" }] },
    });
    // The same configuration on a machine without its work_dir: the file cannot be seen from
    // there, so status says what the operator recorded, never "not suspended" for want of a file.
    const elsewhere = path.join(fleet.dir, "laptop.yaml");
    const text = await readFile(config, "utf8");
    await writeFile(
      elsewhere,
      text.replace(/^work_dir: .*$/m, `work_dir: ${path.join(fleet.dir, "absent")}`),
    );
    const away = await gitfleet(["status", "-c", elsewhere, "--json"]);
    expect(JSON.parse(away.stdout).suspended).toMatchObject({ state: "suspended", source: "status-branch" });
    await fleet.changeService("s1", 2);
    const commit = (await gitCli(fleet.repo, ["rev-parse", "HEAD"])).trim();
    const held = fleet.nextPass((o) => o.snapshot?.waiting?.commit.commit === commit);
    fleet.operator.markDue("test: commit");
    expect((await held).snapshot?.desired?.commit).not.toBe(commit);
    expect(images(engine)).toEqual([
      "registry.invalid/s1:1",
      "registry.invalid/s1:1",
      "registry.invalid/s1:1",
    ]);
    const status = async () =>
      parse(await gitCli(fleet.repo, ["show", "gitfleet/status:status/cluster.yaml"])) as {
        waiting_commit?: { commit: string; reason: string };
      };
    for (let i = 0; i < 100 && (await status()).waiting_commit === undefined; i++)
      await new Promise((r) => setTimeout(r, 200));
    expect((await status()).waiting_commit).toMatchObject({ commit });
    expect((await status()).waiting_commit?.reason).toContain("suspended by");
    expect((await status()).waiting_commit?.reason).toContain("incident 42");

    // Healing goes on: a replica that dies is replaced, on the commit that runs.
    const victim = engine.hosts[0]!.host.list(false, ["gitfleet.service=s1"])[0]!;
    const host = engine.hosts[0]!.host;
    host.stop(host.find(String(victim["Id"]))!, "kill");
    const healed = fleet.nextPass(
      () =>
        images(engine).length === 3 &&
        !engine.hosts[0]!.host.list(false, []).some((c) => c["Id"] === victim["Id"]),
    );
    fleet.operator.markDue("test: death");
    await healed;
    expect(images(engine)).toEqual([
      "registry.invalid/s1:1",
      "registry.invalid/s1:1",
      "registry.invalid/s1:1",
    ]);

    expect((await gitfleet(["resume", "-c", config])).code).toBe(0);
    const applied = fleet.nextPass((o) => o.converged && o.snapshot?.desired?.commit === commit);
    fleet.operator.markDue("test: resumed");
    await applied;
    expect(images(engine)).toEqual([
      "registry.invalid/s1:2",
      "registry.invalid/s1:2",
      "registry.invalid/s1:2",
    ]);
    expect(await recorded(false)).toBeUndefined();
    const after = await gitfleet(["status", "-c", config, "--json"]);
    expect(JSON.parse(after.stdout).suspended).toMatchObject({ state: "not-suspended", holds: [] });
  });
});
