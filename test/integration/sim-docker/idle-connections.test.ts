// How many connections a host keeps open once a burst of calls is over. At
// 1,000 hosts every idle connection kept per host is 1,000 sockets with their
// buffers in the operator (4 per host, with the heartbeat's and the event
// streams', made 3,000–5,000 during a deploy): the Engine API's calls keep
// ENGINE_FREE_PER_HOST idle per host.

import { describe, expect, it } from "vitest";
import { ENGINE_FREE_PER_HOST } from "../../../src/adapters/docker/engine-api.js";
import { LIGHT_FREE_PER_HOST } from "../../../src/adapters/docker/light.js";
import { pollUntil } from "../../support/poll.js";
import { simDockerHost } from "../../support/sim-docker/docker-host.js";

/** Well within the agent's 5 s idle timeout, which would close them all anyway. */
const BEFORE_IDLE_TIMEOUT = { timeoutMs: 4_000, intervalMs: 20 };

/** One simulated host with `containers` containers, a DockerHost on it, and its connection count. */
async function oneHost(containers: number) {
  const { engine, sim, host } = await simDockerHost();
  const ids: string[] = [];
  for (let i = 0; i < containers; i++) {
    const c = sim.host.create(`c${i}`, { Image: "nginx", Labels: {} });
    if (c === "conflict") throw new Error("conflict");
    ids.push(c.id);
  }
  const count = engine.connections.get(sim.host.name);
  if (count === undefined) throw new Error("no connection count");
  return { host, ids, count };
}

describe("a host's idle connections", () => {
  it("after a burst of parallel calls, at most ENGINE_FREE_PER_HOST stay open", async () => {
    const { host, ids, count } = await oneHost(12);

    // Writes (4 at a time) and reads (8 at a time), all at once.
    await Promise.all([
      ...ids.map((id) => host.start(id)),
      ...Array.from({ length: 8 }, (_, i) => host.imageExists(`img:${i}`)),
    ]);
    // The burst did open several connections at once...
    expect(count.peak).toBeGreaterThanOrEqual(4);
    // ...and all but the kept ones are closed as they come back idle.
    await pollUntil("the idle connections closed", () => count.open <= ENGINE_FREE_PER_HOST, {
      ...BEFORE_IDLE_TIMEOUT,
      seen: () => `${count.open} open`,
    });
    // Still so a moment later (nothing reopens them).
    await new Promise((r) => setTimeout(r, 200));
    expect(count.open).toBeLessThanOrEqual(ENGINE_FREE_PER_HOST);
  });

  it("after overlapping heartbeats, the kept connection and LIGHT_FREE_PER_HOST spare stay open", async () => {
    const { host, count } = await oneHost(0);

    // Four at once: one on the beat's kept connection, the others through the spare agent.
    await Promise.all([host.ping(), host.ping(), host.ping(), host.ping()]);
    expect(count.peak).toBeGreaterThanOrEqual(3);
    const kept = 1;
    await pollUntil("the spare connections closed", () => count.open <= kept + LIGHT_FREE_PER_HOST, {
      ...BEFORE_IDLE_TIMEOUT,
      seen: () => `${count.open} open`,
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(count.open).toBeLessThanOrEqual(kept + LIGHT_FREE_PER_HOST);
  });
});
