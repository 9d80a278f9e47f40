// The everyday verbs on the three-host test bed (issue 19): `gitfleet wait`
// run as a CI job would, from the status branch only, against a real operator
// (exit 0 on a good commit, 1 on a rejected one, 1 on a rolled-back rollout,
// 124 on a timeout), and a deny window in cluster.yaml: a commit pushed
// during it is not applied, a killed replica is still replaced, and the
// commit is applied once the window ends. One operator lives through the
// scenarios in order.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { gitfleet } from "../../support/cli.js";
import { dockerFor, hostNamed, resetTestbed, TESTBED } from "../../support/testbed.js";
import { commitLabels, failureCluster, failureServices, settled } from "../failures/support.js";
import { BED_POLL, managed, OperatorWorld, serving } from "./support.js";
import { pollUntil } from "../../support/poll.js";

let world: OperatorWorld;

function web(o: { image?: string; replicas?: number; healthTest?: string } = {}): string {
  const test = o.healthTest ?? '["CMD", "wget", "-qO-", "http://127.0.0.1:8080/health"]';
  return `kind: Service
name: web
image: ${o.image ?? "gitfleet/web:1"}
ports: [{target: 8080}]
healthcheck: {test: ${test}, interval: 1s, timeout: 1s, retries: 2}
deploy:
  replicas: ${o.replicas ?? 3}
  placement: {preferences: [{spread: node.labels.zone}]}
  update_config: {parallelism: 1, order: start-first, monitor: 2s, failure_action: rollback}
  rollback_config: {parallelism: 0, order: start-first, monitor: 0s}
  restart_policy: {condition: any, delay: 1s}
`;
}

function wait(commit: string, timeout: string, ...more: string[]) {
  return gitfleet(
    ["wait", commit, "-c", world.configFile, "--timeout", timeout, "--interval", "1s", ...more],
    {
      timeoutMs: 400_000,
    },
  );
}

async function webServing(image: string, count: number) {
  const list = (await managed("web")).filter((c) => c.service === "web");
  const ok = serving(list).filter((c) => c.image === image);
  return ok.length === count && list.length === count ? list : undefined;
}

beforeAll(async () => {
  await resetTestbed();
  world = await OperatorWorld.create({});
  await world.push({ "cluster.yaml": failureCluster(), ...failureServices() }, "deploy web and api");
  world.startOperator();
  await pollUntil("the services deployed", () => settled(world), { ...BED_POLL, timeoutMs: 180_000 });
}, 240_000);

afterAll(async () => {
  await world?.close();
  await resetTestbed();
});

describe("gitfleet wait on the test bed", () => {
  it("exits 0 once a good commit is applied and healthy (--json says applied)", async () => {
    const good = await world.push({ "services/web.yaml": web({ image: "gitfleet/web:2" }) }, "web 2");
    const w = await wait(good, "300s", "--json");
    expect(w.code, w.stderr).toBe(0);
    expect(JSON.parse(w.stdout)).toMatchObject({ done: true, outcome: "applied" });
    expect(await webServing("gitfleet/web:2", 3)).toBeDefined();
  }, 360_000);

  it("exits 1 on a rejected commit, with the reason", async () => {
    const bad = await world.push({ "services/web.yaml": web({ replicas: -1 }) }, "broken");
    const w = await wait(bad, "300s");
    expect(w.code, w.stderr).toBe(1);
    expect(w.stderr).toContain("was rejected (invalid)");
    const fixed = await world.push({ "services/web.yaml": web({ image: "gitfleet/web:2" }) }, "fixed");
    expect((await wait(fixed, "300s")).code).toBe(0);
  }, 660_000);

  it("exits 1 on a rolled-back rollout, never 0", async () => {
    const broken = await world.push(
      { "services/web.yaml": web({ image: "gitfleet/web:1", healthTest: '["CMD", "false"]' }) },
      "web 1 with a failing health check",
    );
    const w = await wait(broken, "300s", "--json");
    expect(w.code, w.stderr).toBe(1);
    expect(JSON.parse(w.stdout)).toMatchObject({ outcome: "rolled-back", services: ["web"] });
    // The rollback left web:2 serving.
    expect(
      await pollUntil("web 2 serving", () => webServing("gitfleet/web:2", 3), {
        ...BED_POLL,
        timeoutMs: 60_000,
      }),
    ).toBeDefined();
    const fixed = await world.push(
      { "services/web.yaml": web({ image: "gitfleet/web:2" }) },
      "back to web 2",
    );
    expect((await wait(fixed, "300s")).code).toBe(0);
  }, 660_000);
});

describe("a deny window", () => {
  it("holds a pushed commit (wait times out with 124), heals meanwhile, and applies it when the window ends", async () => {
    // A window opening 45 s from now (seconds-precise cron, UTC) for 120 s.
    const opens = Math.ceil((Date.now() + 45_000) / 1000) * 1000;
    const closes = opens + 120_000;
    const t = new Date(opens);
    const cron = `${t.getUTCSeconds()} ${t.getUTCMinutes()} ${t.getUTCHours()} * * *`;
    const windowed = `${failureCluster()}sync_windows:\n  - {schedule: "${cron}", duration: 120s, description: e2e freeze}\n`;
    const c1 = await world.push({ "cluster.yaml": windowed }, "a deny window");
    expect((await wait(c1, "40s")).code).toBe(0);
    expect(Date.now()).toBeLessThan(opens);
    await new Promise((r) => setTimeout(r, opens - Date.now() + 1_000));

    const held = await world.push(
      { "services/web.yaml": web({ image: "gitfleet/web:2", replicas: 4 }) },
      "web 4",
    );
    const timeout = await wait(held, "8s");
    expect(timeout.code, timeout.stderr).toBe(124);
    expect(timeout.stderr).toContain("deny window");
    const cluster = await pollUntil(
      "status names the waiting commit",
      async () => {
        const doc = parse(await world.status("status/cluster.yaml")) as {
          waiting_commit?: { commit?: string; reason?: string };
        };
        return doc.waiting_commit?.commit === held ? doc.waiting_commit : undefined;
      },
      BED_POLL,
    );
    expect(cluster.reason).toContain('deny window "' + cron + '" (e2e freeze) open until');

    // Healing goes on: a killed replica is replaced, at the commit that is applied.
    const before = await webServing("gitfleet/web:2", 3);
    const victim = before![0]!;
    await dockerFor(hostNamed(victim.host)).getContainer(victim.id).kill();
    const after = await pollUntil(
      "the killed replica replaced",
      async () => {
        const list = await webServing("gitfleet/web:2", 3);
        return list !== undefined && !list.some((c) => c.id === victim.id) ? list : undefined;
      },
      { ...BED_POLL, timeoutMs: 60_000 },
    );
    const labels = await commitLabels(TESTBED.hosts);
    expect(after.map((c) => labels.get(c.id))).not.toContain(held);
    // Still inside the window, and the commit still not applied: 3 replicas, not 4.
    expect(Date.now()).toBeLessThan(closes);
    expect((await managed("web")).length).toBe(3);

    const applied = await wait(held, "300s");
    expect(applied.code, applied.stderr).toBe(0);
    expect(Date.now()).toBeGreaterThanOrEqual(closes);
    expect(
      await pollUntil("web 4/4", () => webServing("gitfleet/web:2", 4), { ...BED_POLL, timeoutMs: 60_000 }),
    ).toHaveLength(4);
  }, 900_000);
});
