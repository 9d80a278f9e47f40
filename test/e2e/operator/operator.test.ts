// Acceptance of the operator (issue 5) on the three-host test bed with a real
// Git server: every scenario pushes a commit (or breaks something on a host)
// and asserts on the hosts and on the status branch. The scenarios run in
// order against one operator process, as a cluster lives through them.

import { randomBytes } from "node:crypto";
import { parse } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerFor, hostNamed, resetTestbed, TESTBED } from "../../support/testbed.js";
import { apiYaml, cacheYaml, webYaml } from "./services.js";
import { BED_POLL, clusterYaml, managed, type Managed, OperatorWorld, serving } from "./support.js";
import { pollUntil } from "../../support/poll.js";

const SECRET = `s3cret-${randomBytes(8).toString("hex")}`;
let world: OperatorWorld;

const ids = (list: readonly Managed[]): string[] => list.map((c) => c.id).sort();

async function webServing(image: string, count: number): Promise<Managed[] | undefined> {
  const web = await managed("web");
  const ok = serving(web).filter((c) => c.image === image);
  return ok.length === count && web.length === count ? web : undefined;
}

async function statusSays(file: string, text: string): Promise<boolean> {
  return (await world.status(file)).includes(text);
}

beforeAll(async () => {
  await resetTestbed();
  world = await OperatorWorld.create({ "api-token": SECRET });
  await world.push(
    {
      "cluster.yaml": clusterYaml(),
      "services/web.yaml": webYaml(),
      "services/api.yaml": apiYaml(),
      "services/cache.yaml": cacheYaml(),
    },
    "deploy web, api and cache",
  );
  world.startOperator();
});

afterAll(async () => {
  await world?.close();
});

describe("gitfleet run on three Docker hosts", () => {
  it("deploys the services across the hosts and reports them Synced", async () => {
    const web = await pollUntil("web 3/3 healthy", () => webServing("gitfleet/web:1", 3), {
      ...BED_POLL,
      timeoutMs: 90_000,
    });
    expect(new Set(web.map((c) => c.host))).toEqual(new Set(["h1", "h2", "h3"]));
    const cache = await managed("cache");
    expect(cache.map((c) => c.host).sort()).toEqual(["h1", "h2", "h3"]);
    expect(serving(await managed("api"))).toHaveLength(2);
    await pollUntil("status Synced", () => statusSays("status/cluster.yaml", "sync: Synced"), BED_POLL);
    const md = await world.status("STATUS.md");
    expect(md).toMatch(/\| web \| converged \| 3 \| 3 \| 3 \|/);
  });

  it("hands env_secrets to the container, from the secret store", async () => {
    const [api] = await managed("api");
    const host = hostNamed(api?.host ?? "h1");
    const info = await dockerFor(host)
      .getContainer(api?.id ?? "")
      .inspect();
    expect(info.Config.Env).toContain(`API_TOKEN=${SECRET}`);
  });

  it("scales up and down, each push announced by the webhook", async () => {
    expect(await world.notify("0000000")).toBe(202);
    await world.push({ "services/web.yaml": webYaml({ replicas: 5 }) }, "web: 5 replicas");
    const five = await pollUntil("web 5/5", () => webServing("gitfleet/web:1", 5), BED_POLL);
    const perHost = TESTBED.hosts.map((h) => five.filter((c) => c.host === h.name).length).sort();
    expect(perHost).toEqual([1, 2, 2]);
    await world.push({ "services/web.yaml": webYaml({ replicas: 2 }) }, "web: 2 replicas");
    const two = await pollUntil("web 2/2", () => webServing("gitfleet/web:1", 2), BED_POLL);
    expect(two.map((c) => c.slot).sort()).toEqual(["1", "2"]);
    await world.push({ "services/web.yaml": webYaml() }, "web: 3 replicas");
    await pollUntil("web 3/3", () => webServing("gitfleet/web:1", 3), BED_POLL);
    // Passes ran because of the webhook, not only the (slow) poll.
    expect(world.output).toMatch(/"reasons":\[[^\]]*"webhook"/);
  });

  it("rolls out a new image start-first, never below the desired healthy count", async () => {
    const before = await managed("web");
    const samples: number[] = [];
    let peakRunning = 0;
    let done = false;
    const sampler = (async () => {
      while (!done) {
        const web = await managed("web");
        samples.push(serving(web).length);
        peakRunning = Math.max(peakRunning, web.filter((c) => c.state === "running").length);
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    await world.push({ "services/web.yaml": webYaml({ image: "gitfleet/web:2" }) }, "web: v2");
    const after = await pollUntil("web on v2", () => webServing("gitfleet/web:2", 3), {
      ...BED_POLL,
      timeoutMs: 90_000,
    });
    done = true;
    await sampler;
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(3);
    expect(peakRunning).toBe(4); // one extra replica at a time (parallelism 1, start-first)
    expect(after.map((c) => c.host).sort()).toEqual(before.map((c) => c.host).sort());
    const endpoint = after[0]?.endpoints[0];
    const body = await (await fetch(`http://${endpoint}/`, { signal: AbortSignal.timeout(3_000) })).text();
    expect(body).toContain("v2");
    await pollUntil(
      "status: update completed",
      () => statusSays("status/services/web.yaml", "update-completed"),
      BED_POLL,
    );
  });

  it("keeps every running replica when the new image cannot be pulled: image-pull-failed, no rollback", async () => {
    // README, "Images before anything stops": a task whose image cannot be pulled does not
    // start, nothing running is stopped, and the rollout is neither paused nor rolled back.
    const missing = `${TESTBED.registry}/gitfleet/does-not-exist:1`;
    const before = ids(await managed("web"));
    const logFrom = world.output.length;
    const commit = await world.push(
      { "services/web.yaml": webYaml({ image: missing }) },
      "web: broken image",
    );
    await pollUntil("the operator to take the commit", () => statusSays("status/cluster.yaml", commit), {
      ...BED_POLL,
      timeoutMs: 30_000,
    });
    await pollUntil(
      "status image-pull-failed",
      () => statusSays("status/services/web.yaml", "state: image-pull-failed"),
      { ...BED_POLL, timeoutMs: 60_000 },
    );
    const doc = parse(await world.status("status/services/web.yaml")) as {
      image?: string;
      waiting?: Array<{ reason?: string; image?: string }>;
    };
    expect(doc.image).toBe(missing);
    expect(doc.waiting?.[0]).toMatchObject({ reason: "image-pull-failed", image: missing });
    expect(await world.status("status/services/web.yaml")).not.toContain("rolled-back");
    expect(ids(await managed("web"))).toEqual(before);
    const web = serving(await managed("web"));
    expect(web.map((c) => c.image)).toEqual(["gitfleet/web:2", "gitfleet/web:2", "gitfleet/web:2"]);
    await pollUntil(
      "STATUS.md naming both images",
      async () => (await world.status("STATUS.md")).includes(`${missing} (running gitfleet/web:2)`),
      BED_POLL,
    );
    expect(world.output.slice(logFrom)).not.toMatch(/"msg":"web\/\d+ restarted/);
  });

  it("rolls back automatically when the new replicas fail their healthcheck", async () => {
    const before = ids(await managed("web"));
    const commit = await world.push(
      { "services/web.yaml": webYaml({ image: "gitfleet/web:2", healthTest: '["CMD", "false"]' }) },
      "web: a healthcheck that fails",
    );
    await pollUntil("the operator to take the commit", () => statusSays("status/cluster.yaml", commit), {
      ...BED_POLL,
      timeoutMs: 30_000,
    });
    const rolledBack = await pollUntil(
      "status: rolled back for the failing healthcheck",
      async () =>
        /rolled back: [^\n]*(unhealthy|not healthy)/.exec(await world.status("status/services/web.yaml")),
      { ...BED_POLL, timeoutMs: 60_000 },
    );
    expect(rolledBack[0]).toContain("1/3 rolling tasks failed");
    expect(await world.status("status/services/web.yaml")).toContain("state: rolled-back");
    await pollUntil(
      "the failed replica gone",
      async () => ids(await managed("web")).join() === before.join(),
      BED_POLL,
    );
    expect(serving(await managed("web")).every((c) => c.image === "gitfleet/web:2")).toBe(true);
    // Back to the good spec: the hold is lifted, nothing has to change.
    await world.push(
      { "services/web.yaml": webYaml({ image: "gitfleet/web:2" }) },
      "web: good healthcheck again",
    );
    await pollUntil("status Synced again", () => statusSays("status/cluster.yaml", "sync: Synced"), {
      ...BED_POLL,
      timeoutMs: 30_000,
    });
    expect(ids(await managed("web"))).toEqual(before);
  });

  it("rejects an invalid commit: nothing changes on any host, status lists the errors", async () => {
    const before = ids(await managed());
    await world.push(
      { "services/web.yaml": webYaml({ image: "gitfleet/web:1", replicas: -1 }) },
      "web: an invalid replica count",
    );
    await pollUntil("status Rejected", () => statusSays("status/cluster.yaml", "sync: Rejected"), {
      ...BED_POLL,
      timeoutMs: 30_000,
    });
    const cluster = await world.status("status/cluster.yaml");
    expect(cluster).toMatch(/services\/web\.yaml:\d+:\d+: /);
    await new Promise((r) => setTimeout(r, 3_000)); // a few more polls
    expect(ids(await managed())).toEqual(before);
    expect((await managed("web")).every((c) => c.image === "gitfleet/web:2")).toBe(true);
    await world.push({ "services/web.yaml": webYaml({ image: "gitfleet/web:2" }) }, "web: valid again");
    await pollUntil("status Synced", () => statusSays("status/cluster.yaml", "sync: Synced"), {
      ...BED_POLL,
      timeoutMs: 30_000,
    });
  });

  it("keeps a rolled-back spec held across an operator restart; a new commit deploys", async () => {
    const before = ids(await managed("web"));
    const commit = await world.push(
      { "services/web.yaml": webYaml({ image: "gitfleet/web:1", healthTest: '["CMD", "false"]' }) },
      "web: a failing healthcheck again",
    );
    await pollUntil("the operator to take the commit", () => statusSays("status/cluster.yaml", commit), {
      ...BED_POLL,
      timeoutMs: 30_000,
    });
    await pollUntil(
      "status rolled-back",
      () => statusSays("status/services/web.yaml", "state: rolled-back"),
      { ...BED_POLL, timeoutMs: 60_000 },
    );
    const doc = parse(await world.status("status/services/web.yaml")) as { spec_hash?: string };
    const broken = doc.spec_hash ?? "";
    expect(broken).toMatch(/^[0-9a-f]{16,}$/);
    await pollUntil(
      "the failed replica gone",
      async () => ids(await managed("web")).join() === before.join(),
      BED_POLL,
    );

    // The restarted process has no memory: only the status branch remembers the rollback.
    expect(await world.stopOperator()).toBe(0);
    const logFrom = world.output.length;
    world.startOperator();
    await pollUntil(
      "the hold restored from the status branch",
      async () => world.output.slice(logFrom).includes("rollout of web stays rolled-back"),
      { ...BED_POLL, timeoutMs: 30_000 },
    );
    // Two poll intervals (20 s each), with webhook deliveries for extra passes in between.
    const until = Date.now() + 40_000;
    let nudged = Date.now();
    while (Date.now() < until) {
      const web = await managed("web");
      expect(web.filter((c) => c.specHash === broken)).toEqual([]);
      if (Date.now() - nudged > 5_000) {
        nudged = Date.now();
        await world.notify(commit);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(ids(await managed("web"))).toEqual(before);
    expect(await world.status("status/services/web.yaml")).toContain("state: rolled-back");
    expect(await world.status("status/cluster.yaml")).toContain("sync: Degraded");

    // A new commit with a good spec lifts the hold and deploys.
    await world.push({ "services/web.yaml": webYaml({ image: "gitfleet/web:1" }) }, "web: back to web:1");
    await pollUntil("web:1 3/3 healthy", () => webServing("gitfleet/web:1", 3), {
      ...BED_POLL,
      timeoutMs: 90_000,
    });
    await pollUntil("status Synced", () => statusSays("status/cluster.yaml", "sync: Synced"), {
      ...BED_POLL,
      timeoutMs: 30_000,
    });
  });

  it("replaces a killed container on its host and counts the restart", async () => {
    const victim = (await managed("web")).find((c) => c.host === "h2");
    expect(victim).toBeDefined();
    await dockerFor(hostNamed("h2"))
      .getContainer(victim?.id ?? "")
      .kill();
    // A new container for the slot, not the old one started again (Docker 20.10's tmpfs quirk).
    await pollUntil(
      "the killed replica's slot serving again",
      async () => {
        const web = await managed("web");
        const slot = web.filter((c) => c.slot === victim?.slot);
        return slot.length === 1 && serving(slot).some((c) => c.host === "h2" && c.id !== victim?.id);
      },
      BED_POLL,
    );
    await pollUntil(
      "status counts the restart",
      async () => {
        const doc = parse(await world.status("status/services/web.yaml")) as {
          replicas?: Array<Record<string, unknown>>;
        };
        const replica = doc.replicas?.find((r) => r["slot"] === victim?.slot && r["host"] === "h2");
        return replica?.["restarts"] === 1 && replica["state"] === "running";
      },
      BED_POLL,
    );
    expect(await world.status("STATUS.md")).toContain("restarted");
  });

  it("never touches containers without our labels, and prunes services removed from Git", async () => {
    const h2 = dockerFor(hostNamed("h2"));
    const foreign = await Promise.all(
      [{}, { "gitfleet.cluster": "someone-else", "gitfleet.service": "api", "gitfleet.slot": "1" }].map(
        async (labels, i) => {
          const c = await h2.createContainer({
            name: `foreign-${i}`,
            Image: "gitfleet/busybox:1.35",
            Cmd: ["sleep", "3600"],
            Labels: labels,
          });
          await c.start();
          return c.id;
        },
      ),
    );
    await world.push(
      {
        "services/api.yaml": null,
        "services/web.yaml": webYaml({ image: "gitfleet/web:2" }).replace("depends_on: [api]\n", ""),
      },
      "remove api",
    );
    await pollUntil("api pruned", async () => (await managed("api")).length === 0, BED_POLL);
    await new Promise((r) => setTimeout(r, 2_000));
    for (const id of foreign) expect((await h2.getContainer(id).inspect()).State.Running).toBe(true);
    // web's start-first update to v2 in the same commit may still run old and new side by side.
    await pollUntil(
      "web 3/3 on v2, nothing else",
      async () => {
        const web = await managed("web");
        return web.length === 3 && serving(web).every((c) => c.image === "gitfleet/web:2") ? web : undefined;
      },
      BED_POLL,
    );
    expect(serving(await managed("web"))).toHaveLength(3);
  });

  it("holds a commit that would remove every service as Rejected; the allow key lets it through", async () => {
    const before = ids(await managed());
    // The classic slip: services moved to a misnamed folder, so the commit declares none.
    const slip = await world.push(
      {
        "services/web.yaml": null,
        "services/cache.yaml": null,
        "service/web.yaml": webYaml({ image: "gitfleet/web:2" }).replace("depends_on: [api]\n", ""),
      },
      "move specs (into the wrong folder)",
    );
    await pollUntil("status Rejected", () => statusSays("status/cluster.yaml", "sync: Rejected"), {
      ...BED_POLL,
      timeoutMs: 30_000,
    });
    const cluster = parse(await world.status("status/cluster.yaml")) as {
      rejected_commit?: { commit?: string; reason?: string; errors?: string[] };
    };
    expect(cluster.rejected_commit?.commit).toBe(slip);
    expect(cluster.rejected_commit?.reason).toBe("mass-removal");
    expect(cluster.rejected_commit?.errors?.[0]).toMatch(
      /^cluster\.yaml:1:1: this commit would remove every running service \(2: cache, web\); nothing is removed/,
    );
    await new Promise((r) => setTimeout(r, 3_000)); // a few more passes
    expect(ids(await managed())).toEqual(before);

    // cluster.yaml says it is meant: the services go.
    await world.push(
      { "cluster.yaml": clusterYaml().replace("settings: {", "settings: {allow_mass_removal: true, ") },
      "really remove everything",
    );
    // Only the edges (no service label) stay.
    await pollUntil(
      "every service removed",
      async () => (await managed()).filter((c) => c.service !== "").length === 0,
      { ...BED_POLL, timeoutMs: 60_000 },
    );
    await pollUntil("status Synced", () => statusSays("status/cluster.yaml", "sync: Synced"), {
      ...BED_POLL,
      timeoutMs: 30_000,
    });

    // Back as it was, for the last scenario.
    await world.push(
      {
        "cluster.yaml": clusterYaml(),
        "service/web.yaml": null,
        "services/web.yaml": webYaml({ image: "gitfleet/web:2" }).replace("depends_on: [api]\n", ""),
      },
      "web back",
    );
    await pollUntil("web 3/3 on v2", () => webServing("gitfleet/web:2", 3), {
      ...BED_POLL,
      timeoutMs: 90_000,
    });
  });

  it("keeps secrets out of Git and logs, and stops cleanly on SIGTERM", async () => {
    expect(await world.everythingInGit()).not.toContain(SECRET);
    const code = await world.stopOperator();
    expect(code).toBe(0);
    expect(world.output).toContain("stopped");
    expect(world.output).not.toContain(SECRET);
    // The hosts keep running what was deployed.
    expect(serving(await managed("web"))).toHaveLength(3);
  });
});
