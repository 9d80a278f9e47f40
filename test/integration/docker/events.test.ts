// The events subscription against the real daemon (a container's death
// reaches the callback), and its reconnect logic against a stream we end.

import { PassThrough } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerHost, HostEvent } from "../../../src/adapters/docker/index.js";
import { EventWatcher } from "../../../src/adapters/docker/events.js";
import { DockerError, DockerHost as Host } from "../../../src/adapters/docker/index.js";
import { cleanupCluster, ensureTestImage, openPolicy, serviceSpec } from "./fixtures.js";
import { FreezableProxy } from "./freezable-proxy.js";
import { capturedLogger, localHost, testCluster, until } from "./support.js";

const cluster = testCluster("ev");
let host: DockerHost;

beforeAll(async () => {
  await ensureTestImage();
  ({ host } = await localHost(cluster));
  await host.ensureNetwork();
});

afterAll(async () => {
  host.close();
  await cleanupCluster(cluster);
});

describe("DockerHost.watchEvents", () => {
  it("says connected, then reports our container's death with its exit code and labels", async () => {
    const events: HostEvent[] = [];
    const unsubscribe = host.watchEvents((e) => void events.push(e));
    try {
      await until("connected", async () => (events.some((e) => e.kind === "connected") ? true : undefined));
      const service = serviceSpec({ name: "dies", command: ["sh", "-c", "sleep 0.3; exit 3"] });
      const c = await host.createReplica({
        service,
        slot: "1",
        commit: "c",
        secretEnv: {},
        hostAddress: "127.0.0.1",
        policy: openPolicy,
      });
      await host.start(c.id);
      const died = await until("die event", async () =>
        events.find((e) => e.kind === "container" && e.action === "die" && e.containerId === c.id),
      );
      expect(died).toMatchObject({
        kind: "container",
        host: "local",
        service: "dies",
        slot: "1",
        exitCode: 3,
      });
      expect(
        events.some((e) => e.kind === "container" && e.action === "start" && e.containerId === c.id),
      ).toBe(true);
    } finally {
      unsubscribe();
    }
  });

  it("does not report containers of other clusters", async () => {
    const events: HostEvent[] = [];
    const unsubscribe = host.watchEvents((e) => void events.push(e));
    const other = await localHost(testCluster("other"));
    try {
      await until("connected", async () => (events.some((e) => e.kind === "connected") ? true : undefined));
      await other.host.ensureNetwork();
      const c = await other.host.createReplica({
        service: serviceSpec({ name: "foreign", command: ["true"] }),
        slot: "1",
        commit: "c",
        secretEnv: {},
        hostAddress: "127.0.0.1",
        policy: openPolicy,
      });
      await other.host.start(c.id);
      // A marker event of our own cluster, after the foreign one, bounds the wait.
      const mine = await host.createReplica({
        service: serviceSpec({ name: "marker", command: ["true"] }),
        slot: "1",
        commit: "c",
        secretEnv: {},
        hostAddress: "127.0.0.1",
        policy: openPolicy,
      });
      await until("marker event", async () =>
        events.find((e) => e.kind === "container" && e.containerId === mine.id),
      );
      expect(events.some((e) => e.kind === "container" && e.containerId === c.id)).toBe(false);
    } finally {
      unsubscribe();
      await cleanupCluster(other.host.cluster);
    }
  });
});

describe("DockerHost.watchEvents after a silent freeze", () => {
  it("reconnects the event stream once the host answers pings again", async () => {
    const proxy = new FreezableProxy();
    await proxy.start();
    const frozenCluster = testCluster("fz");
    const viaProxy = await Host.create({
      name: "proxied",
      docker: `tcp://127.0.0.1:${proxy.port}`,
      cluster: frozenCluster,
      pingTimeoutMs: 300,
      logger: capturedLogger().logger,
    });
    const events: HostEvent[] = [];
    const unsubscribe = viaProxy.watchEvents((e) => void events.push(e));
    const connects = (): number => events.filter((e) => e.kind === "connected").length;
    try {
      await until("connected", async () => (connects() === 1 ? true : undefined));
      proxy.freeze();
      const err = await viaProxy.ping().catch((e: unknown) => e);
      expect((err as DockerError).code).toBe("timeout");
      proxy.thaw();
      await viaProxy.ping();
      await until("reconnected", async () => (connects() === 2 ? true : undefined));
      // The new stream delivers our events.
      await viaProxy.ensureNetwork();
      const c = await viaProxy.createReplica({
        service: serviceSpec({ name: "after", command: ["true"] }),
        slot: "1",
        commit: "c",
        secretEnv: {},
        hostAddress: "127.0.0.1",
        policy: openPolicy,
      });
      await until("create event", async () =>
        events.find((e) => e.kind === "container" && e.action === "create" && e.containerId === c.id),
      );
    } finally {
      unsubscribe();
      viaProxy.close();
      await proxy.stop();
      await cleanupCluster(frozenCluster);
    }
  });
});

describe("EventWatcher", () => {
  it("reconnects after the stream ends and survives a throwing callback", async () => {
    const streams: PassThrough[] = [];
    const seen: HostEvent[] = [];
    const watcher = new EventWatcher({
      host: "h",
      logger: pino({ level: "silent" }),
      minBackoffMs: 10,
      open: async () => {
        const s = new PassThrough();
        streams.push(s);
        return s;
      },
      onEvent: (e) => {
        seen.push(e);
        if (e.kind === "container" && e.action === "oom") throw new Error("callback bug");
      },
    });
    watcher.start();
    await until("first stream", async () => streams[0]);
    const line = (action: string): string =>
      JSON.stringify({ Type: "container", Action: action, Actor: { ID: "abc", Attributes: {} }, time: 1 }) +
      "\n";
    // Lines may arrive split across chunks.
    const l = line("oom") + line("die");
    streams[0]?.write(l.slice(0, 10));
    streams[0]?.write(l.slice(10));
    streams[0]?.end();
    await until("second stream", async () => streams[1]);
    await until("reconnected", async () =>
      seen.filter((e) => e.kind === "connected").length === 2 ? 1 : undefined,
    );
    watcher.stop();
    expect(seen.map((e) => (e.kind === "container" ? e.action : e.kind))).toEqual([
      "connected",
      "oom",
      "die",
      "disconnected",
      "connected",
    ]);
  });
});
