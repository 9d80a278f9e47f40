// The edge end to end on loopback: a rendered configuration run by a real
// HAProxy 2.6 in master-worker mode, balancing real HTTP servers, reloaded
// through the master socket while requests keep flowing.

import http from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyEdgeConfig } from "../../../src/adapters/edge/apply.js";
import { listEdgeEndpoints, setServerState } from "../../../src/adapters/edge/endpoints.js";
import { showProc } from "../../../src/adapters/edge/master.js";
import { backendName, renderEdgeConfig } from "../../../src/edge/index.js";
import type { EdgeInput } from "../../../src/edge/types.js";
import { httpHealth, port, rep, svc } from "../../unit/edge/fixtures.js";
import { get, steadyLoad } from "./client.js";
import { edgePaths, startHaproxy, targetIn, type RunningHaproxy } from "./haproxy-process.js";
import { freePort, startBackend, type TestBackend } from "./http-backends.js";

// The backends answer checks from this test's own process: with a 200 ms check timeout they were
// marked down (Layer7 timeout) and requests answered 503 when the machine was loaded. 1 s is the
// longest check timeout gitfleet renders.
const CHECK = { intervalMs: 1000, timeoutMs: 1000, retries: 2 };
const INGRESS = "127.0.0.1";
const DISCOVERY = "127.0.0.2";

let dir: string;
let edge: RunningHaproxy;
let apis: TestBackend[]; // a1..a4; a4 joins during the reload test
let web: TestBackend;
let shared: number; // the target port api and web share
let published: number; // api's ingress port
let emptyPort: number;

function input(apiReplicas: readonly TestBackend[]): EdgeInput {
  const api = svc("api", [port(shared, { published })], {
    healthcheck: httpHealth(`http://localhost:${shared}/health`, CHECK),
  });
  const webSvc = svc("web", [port(shared, { appProtocol: "http" })]);
  const empty = svc("empty", [port(emptyPort, { appProtocol: "http" })]);
  return {
    cluster: "it",
    host: { name: "h1", address: INGRESS },
    hosts: [{ name: "h1", address: "127.0.0.1" }],
    services: [api, webSvc, empty],
    replicas: [...apiReplicas.map((b) => rep(api, b.id, "h1", b.port)), rep(webSvc, "w1", "h1", web.port)],
    options: { ingressBind: INGRESS, discoveryBind: DISCOVERY, statsSocket: edgePaths(dir).statsSocket },
  };
}

const ingressUrl = (): string => `http://${INGRESS}:${published}/`;
const apiServer = (b: TestBackend): { backend: string; server: string } => ({
  backend: backendName("api", shared),
  server: `h1:gf-test-api-${b.id}-api0000a`,
});

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "gf-edge-"));
  apis = await Promise.all(["a1", "a2", "a3", "a4"].map(startBackend));
  web = await startBackend("w1");
  [shared, published, emptyPort] = [
    await freePort(DISCOVERY),
    await freePort(INGRESS),
    await freePort(DISCOVERY),
  ];
  const first = await applyEdgeConfig(targetIn(dir), renderEdgeConfig(input(apis.slice(0, 3))));
  expect(first.outcome).toBe("written");
  edge = await startHaproxy(dir);
});

afterAll(async () => {
  await edge?.stop();
  await Promise.all([...(apis ?? []), ...(web ? [web] : [])].map((b) => b.close()));
  await rm(dir, { recursive: true, force: true });
});

describe("the edge on a real HAProxy", () => {
  it("spreads 300 requests evenly across 3 replicas", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const counts = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const r = await get(ingressUrl(), { agent: i % 2 === 0 ? agent : false });
      counts.set(
        r.echo?.id ?? `status ${r.status}`,
        (counts.get(r.echo?.id ?? `status ${r.status}`) ?? 0) + 1,
      );
    }
    agent.destroy();
    expect([...counts.keys()].sort()).toEqual(["a1", "a2", "a3"]);
    for (const n of counts.values()) expect(Math.abs(n - 100)).toBeLessThanOrEqual(10);
  });

  it("passes the client's address in X-Forwarded-For", async () => {
    const r = await get(ingressUrl(), { localAddress: "127.0.0.9" });
    expect(r.echo?.xff).toBe("127.0.0.9");
  });

  it("routes a shared service port by the Host the client asked for", async () => {
    const url = `http://${DISCOVERY}:${shared}/`;
    for (const host of ["api", `api:${shared}`])
      expect((await get(url, { host })).echo?.id).toMatch(/^a[123]$/);
    expect((await get(url, { host: "web" })).echo?.id).toBe("w1");
    expect((await get(url, { host: `WEB:${shared}` })).echo?.id).toBe("w1");
    expect((await get(url, { host: "nobody" })).status).toBe(503);
  });

  it("answers 503 at once for a service with no healthy replica", async () => {
    const t0 = performance.now();
    expect((await get(`http://${DISCOVERY}:${emptyPort}/`)).status).toBe(503);
    // Not after three retries on a server that is not there (a 500 ms turn-around pause each)
    // nor after the 5 s queue timeout: a few ms alone, 500 ms was tight for load 40.
    expect(performance.now() - t0).toBeLessThan(1_000);
  });

  it("takes a replica that stops answering out of rotation within the check window", async () => {
    // Each of the `retries` checks that take it out starts within an interval and times out.
    const window = CHECK.retries * (CHECK.intervalMs + CHECK.timeoutMs);
    const a3 = apis[2]!;
    const inRotation = async (): Promise<boolean> =>
      (await listEdgeEndpoints(edge.target)).find((e) => e.server === apiServer(a3).server)?.inRotation ??
      false;
    expect(await inRotation()).toBe(true);
    a3.hung = true;
    const t0 = performance.now();
    while (await inRotation()) {
      if (performance.now() - t0 > window + 1500) throw new Error(`still in rotation:\n${edge.logs()}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    const elapsed = performance.now() - t0;
    console.info(`edge check test: out of rotation after ${Math.round(elapsed)} ms (window ${window} ms)`);
    expect(elapsed).toBeLessThan(window + 1500);
    const hitsBefore = a3.hits;
    const replies = await Promise.all(Array.from({ length: 30 }, () => get(ingressUrl())));
    expect(replies.filter((r) => r.status !== 200)).toEqual([]);
    expect(a3.hits).toBe(hitsBefore);
    a3.hung = false;
    const t1 = performance.now();
    while (!(await inRotation())) {
      if (performance.now() - t1 > window + 1500) throw new Error(`not back in rotation:\n${edge.logs()}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  });

  it("drains a server through the runtime API without a reload", async () => {
    const a1 = apis[0]!;
    await setServerState(edge.target, apiServer(a1), "drain");
    const before = a1.hits;
    for (let i = 0; i < 12; i++) expect((await get(ingressUrl())).echo?.id).not.toBe("a1");
    expect(a1.hits).toBe(before);
    await setServerState(edge.target, apiServer(a1), "ready");
    await expect(
      setServerState(edge.target, { ...apiServer(a1), server: "nope" }, "drain"),
    ).rejects.toMatchObject({
      code: "edge-runtime-command",
    });
  });

  it("reloads changed backends under a steady stream without dropping a request", async () => {
    const [a1, a2, a3, a4] = apis as [TestBackend, TestBackend, TestBackend, TestBackend];
    const steps = [
      [a1, a2],
      [a1, a2, a4],
      [a2, a4],
      [a1, a2, a3, a4],
      [a1, a2, a3],
    ];
    let done = false;
    const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 2 });
    const progress: [{ ok: number }, { ok: number }, { ok: number }] = [{ ok: 0 }, { ok: 0 }, { ok: 0 }];
    const loads = [
      steadyLoad(ingressUrl(), () => done, { agent: keepAlive, progress: progress[0] }),
      steadyLoad(ingressUrl(), () => done, { agent: keepAlive, progress: progress[1] }),
      steadyLoad(ingressUrl(), () => done, { agent: false, progress: progress[2] }),
    ];
    // Between reloads at least 300 ms and 12 good answers on each stream: on a loaded machine
    // 300 ms alone held too few requests, and the count below depended on the machine's speed.
    const flowing = async (): Promise<void> => {
      const from = progress.map((p) => p.ok);
      const t0 = performance.now();
      await new Promise((r) => setTimeout(r, 300));
      while (progress.some((p, i) => p.ok < from[i]! + 12)) {
        if (performance.now() - t0 > 60_000)
          throw new Error(`requests stopped flowing (${progress.map((p) => p.ok).join(", ")} ok)`);
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    const reloadsBefore = (await showProc(edge.masterSocket)).reloads;
    const a4Before = a4.hits;
    for (const step of steps) {
      await flowing();
      expect((await applyEdgeConfig(edge.target, renderEdgeConfig(input(step)))).outcome).toBe("reloaded");
    }
    await flowing();
    done = true;
    const [ka1, ka2, fresh] = await Promise.all(loads);
    keepAlive.destroy();
    console.info(
      edge
        .logs()
        .split("\n")
        .filter((l) => /DOWN|UP|no server/.test(l))
        .join("\n"),
    );
    expect((await showProc(edge.masterSocket)).reloads).toBe(reloadsBefore + steps.length);
    for (const load of [ka1, ka2, fresh]) {
      expect(load?.errors).toEqual([]);
      expect(load?.ok).toBeGreaterThan(50);
    }
    console.info(
      `edge reload test: ${[ka1, ka2, fresh].map((l) => `${l?.ok} ok / ${l?.retried} retried`).join(", ")} (keep-alive, keep-alive, new connections)`,
    );
    expect(a4.hits).toBeGreaterThan(a4Before); // the added backend took traffic
    const after = await Promise.all(Array.from({ length: 30 }, () => get(ingressUrl())));
    expect(new Set(after.map((r) => r.echo?.id))).toEqual(new Set(["a1", "a2", "a3"]));
  });

  it("does not reload when the rendered configuration is unchanged", async () => {
    const before = await showProc(edge.masterSocket);
    const result = await applyEdgeConfig(edge.target, renderEdgeConfig(input(apis.slice(0, 3))));
    expect(result.outcome).toBe("unchanged");
    const after = await showProc(edge.masterSocket);
    expect(after.reloads).toBe(before.reloads);
    expect(after.workers).toEqual(before.workers);
  });

  it("lists the endpoints in rotation per service for status", async () => {
    const endpoints = await listEdgeEndpoints(edge.target);
    expect(endpoints.filter((e) => e.service === "api").map((e) => [e.address, e.inRotation])).toEqual(
      apis.slice(0, 3).map((b) => [`127.0.0.1:${b.port}`, true]),
    );
    expect(endpoints.filter((e) => e.service === "web").map((e) => e.address)).toEqual([
      `127.0.0.1:${web.port}`,
    ]);
    expect(endpoints.filter((e) => e.service === "empty")).toEqual([]);
  });
});
