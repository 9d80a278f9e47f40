// Each host's Engine API calls keep their idle connections in an agent of the
// host's own. Node's agent, when an idle socket times out, looks for it in the
// free lists of every host it serves (Object.keys of them all): with one agent
// for the fleet that scan ran over every host each time any host's idle
// connection closed.

import { afterEach, describe, expect, it } from "vitest";
import { EngineApi } from "../../../src/adapters/docker/engine-api.js";
import { connectionOptions } from "../../../src/adapters/docker/connection.js";
import { SimDockerEngine } from "../../support/sim-docker/server.js";

const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

describe("the Engine API's kept-alive connections", () => {
  it("are kept per host: each host's agent holds only its own idle connection", async () => {
    const engine = await SimDockerEngine.start(3);
    open.push(engine);
    const apis = await Promise.all(
      engine.hosts.map(async (h) => {
        const conn = await connectionOptions({ name: h.host.name, docker: h.docker });
        return new EngineApi(h.host.name, conn, 5_000);
      }),
    );
    open.push({ close: () => apis.forEach((a) => a.agent?.destroy()) });
    await Promise.all(apis.map((a) => a.listContainers({ all: true })));
    const agents = new Set(apis.map((a) => a.agent));
    expect(agents.size).toBe(3);
    for (const a of apis) {
      // One origin in its free list (its host's), one idle connection there.
      const free = Object.values(a.agent?.freeSockets ?? {});
      expect(free).toHaveLength(1);
      expect(free[0]).toHaveLength(1);
    }
  });
});
