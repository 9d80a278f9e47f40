// The edge benchmark's world on the three-host Docker test bed: the shared
// lock, the bed itself (brought up when it is not, taken down afterwards only
// if this run brought it up, nobody else leases it and GITFLEET_TESTBED_KEEP
// is not 1, as the e2e global setup does), and the web service deployed by the
// real operator from a real Git server, published in ingress mode on 8080.

import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { publishedWebYaml, INGRESS_PORT } from "../test/e2e/edge/services.js";
import { get } from "../test/e2e/edge/traffic.js";
import { BED_POLL, clusterYaml, managed, OperatorWorld, serving } from "../test/e2e/operator/support.js";
import { pollUntil } from "../test/support/poll.js";
import {
  BUILD_IMAGES_SCRIPT,
  hostNamed,
  resetTestbed,
  TESTBED,
  TESTBED_IMAGES,
  testbed,
} from "../test/support/testbed.js";
import type { BenchContext } from "./harness.js";
import { runScript, takeLock } from "./testbed-lock.js";

const LEASES = "/run/gitfleet-testbed.leases";

export interface Replica {
  readonly host: string;
  /** The container's hostname, which /cgi-bin/whoami answers. */
  readonly hostname: string;
  /** http://hostAddress:publishedPort/ */
  readonly url: string;
}

export interface EdgeWorld {
  /** Each host's ingress URL, h1 first. */
  readonly ingress: readonly string[];
  /** The web replicas the edges balance over, one per host. */
  readonly replicas: readonly Replica[];
  close(): Promise<void>;
}

function otherLiveLeases(): number[] {
  return readdirSync(LEASES)
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid !== process.pid)
    .filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
}

/** Runs `body` holding the lock and a lease on an up test bed with the test images loaded. */
export async function withTestbed<T>(ctx: BenchContext, body: () => Promise<T>): Promise<T> {
  const lock = process.env["GITFLEET_BENCH_LOCK_HELD"] === "1" ? undefined : await takeLock(ctx);
  mkdirSync(LEASES, { recursive: true });
  const lease = path.join(LEASES, String(process.pid));
  writeFileSync(lease, "");
  let wasUp = true;
  try {
    wasUp = await testbed("status").then(
      () => true,
      () => false,
    );
    if (!wasUp) ctx.log("bringing up the test bed");
    await testbed("up");
    await runScript(BUILD_IMAGES_SCRIPT, ["--testbed"]);
    return await body();
  } finally {
    rmSync(lease, { force: true });
    if (!wasUp && process.env["GITFLEET_TESTBED_KEEP"] !== "1" && otherLiveLeases().length === 0) {
      ctx.log("taking the test bed down again (this run brought it up)");
      await testbed("down").catch((err: unknown) => ctx.log(`testbed down failed: ${String(err)}`));
    }
    lock?.stdin?.end();
    if (lock !== undefined && lock.exitCode === null) await new Promise((r) => lock.once("exit", r));
  }
}

/** The web replicas, one running and healthy on each host, with their published 8080. */
async function webOnEveryHost(): Promise<Replica[] | undefined> {
  const web = await managed("web");
  const ok = serving(web).filter((c) => c.image === TESTBED_IMAGES.web1);
  if (web.length !== 3 || ok.length !== 3 || new Set(ok.map((c) => c.host)).size !== 3) return undefined;
  return ok.map((c) => {
    const port = c.endpoints[0]?.split(":").at(-1);
    if (port === undefined) throw new Error(`web replica ${c.name} publishes no port`);
    return { host: c.host, hostname: c.id.slice(0, 12), url: `http://${hostNamed(c.host).address}:${port}/` };
  });
}

/** Every host's ingress port answers, and from each one the replicas of all three hosts. */
async function edgesServe(ingress: readonly string[], replicas: readonly Replica[]): Promise<boolean> {
  for (const url of ingress) {
    const seen = new Set<string>();
    for (let i = 0; i < 9 && seen.size < 3; i++) {
      const a = await get(`${url}cgi-bin/whoami`);
      const r = replicas.find((x) => x.hostname === a.body);
      if (a.status === 200 && r !== undefined) seen.add(r.host);
    }
    if (seen.size < 3) return false;
  }
  return true;
}

/** A fresh bed (every container removed), the operator deploying web 3x with ingress 8080. */
export async function deployWeb(ctx: BenchContext): Promise<EdgeWorld> {
  await resetTestbed();
  const world = await OperatorWorld.create({});
  const close = async (): Promise<void> => {
    await world.close();
    await resetTestbed();
  };
  try {
    const commit = await world.push(
      { "cluster.yaml": clusterYaml(), "services/web.yaml": publishedWebYaml(TESTBED_IMAGES.web1) },
      "bench: web published on 8080",
    );
    world.startOperator();
    ctx.log("operator started; waiting for web 3/3 healthy, one per host");
    const replicas = await pollUntil("web 3/3 healthy on h1..h3", webOnEveryHost, {
      ...BED_POLL,
      timeoutMs: 120_000,
    });
    const ingress = TESTBED.hosts.map((h) => `http://${h.address}:${INGRESS_PORT}/`);
    ctx.log("waiting for every host's edge to reach every host's replica");
    await pollUntil("every edge serving every replica", () => edgesServe(ingress, replicas), {
      ...BED_POLL,
      timeoutMs: 60_000,
    });
    // Measure a settled fleet: no rollout step or edge reload left in flight.
    await pollUntil(
      "the operator reporting Synced",
      async () => {
        const status = await world.status("status/cluster.yaml");
        return status.includes(commit) && status.includes("sync: Synced");
      },
      { ...BED_POLL, timeoutMs: 60_000 },
    );
    return { ingress, replicas, close };
  } catch (err) {
    await close();
    throw err;
  }
}
