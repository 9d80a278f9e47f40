// What the heartbeat's kept connections hold in buffers (src/adapters/docker/kept-connection.ts):
// one read buffer for the whole process and, per connection, buffers the size of its requests.
// At 1,000 hosts a 16 KiB read buffer and a 4 KiB write buffer per connection were 20 MiB.

import { afterEach, describe, expect, it } from "vitest";
import { KeptConnection } from "../../../src/adapters/docker/kept-connection.js";
import { SimDockerEngine } from "../../support/sim-docker/server.js";

const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

describe("the kept connections' buffers", () => {
  it(
    "300 connections, each with an answered beat, hold well under 1 MiB of buffers",
    { timeout: 60_000 },
    async () => {
      const engine = await SimDockerEngine.start(1);
      open.push(engine);
      const sim = engine.hosts[0];
      if (sim === undefined) throw new Error("no host");
      const conn = { protocol: "http" as const, host: "127.0.0.1", port: String(sim.port) };
      // One connection first: whatever is made once per process is not counted.
      const first = new KeptConnection("h0", conn);
      open.push(first);
      await first.request("ping", "GET /_ping HTTP/1.1", 10_000);
      const before = process.memoryUsage().arrayBuffers;
      const kept: KeptConnection[] = [];
      for (let i = 0; i < 300; i++) {
        const k = new KeptConnection(`h${i + 1}`, conn);
        open.push(k);
        kept.push(k);
      }
      const answers = await Promise.all(kept.map((k) => k.request("ping", "GET /_ping HTTP/1.1", 10_000)));
      expect(answers.every((a) => a.status === 200 && a.body.toString() === "OK")).toBe(true);
      const held = process.memoryUsage().arrayBuffers - before;
      // Per connection before: 16 KiB read + 4 KiB write = 6 MiB for 300.
      expect(held).toBeLessThan(1024 * 1024);
    },
  );
});
