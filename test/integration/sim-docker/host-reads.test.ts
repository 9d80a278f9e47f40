// What one observation of a host costs in Docker calls, counted by the
// simulated engine: our replicas and other containers' ports come from one
// container listing, capacity and images are read again only after their
// time to live or a pull.
// At 1,000 hosts every call per host and pass is 1,000 calls.

import { describe, expect, it } from "vitest";
import { simDockerHost } from "../../support/sim-docker/docker-host.js";

describe("reading a simulated host", () => {
  it("lists its containers once for replicas and foreign ports, and reads info once per TTL", async () => {
    const { sim, host } = await simDockerHost();
    // A container that is not ours publishes 8080 on every address.
    sim.host.create("squatter", {
      Image: "nginx",
      Labels: { other: "yes" },
      HostConfig: { PortBindings: { "80/tcp": [{ HostPort: "8080" }] } },
    });
    const squatter = sim.host.find("squatter");
    if (squatter === undefined) throw new Error("no squatter");
    sim.host.start(squatter);
    const calls = (route: string): number => sim.host.calls.get(route) ?? 0;

    const [replicas, foreign] = await Promise.all([host.observe(), host.foreignPorts("10.0.0.1")]);
    expect(replicas).toEqual([]);
    expect(foreign).toEqual([{ port: 8080, protocol: "tcp", owner: "squatter" }]);
    expect(calls("list")).toBe(1);

    // A listing that ended is never reused: the next observation reads again.
    await host.observe();
    expect(calls("list")).toBe(2);

    await host.info();
    await host.info();
    expect(calls("info")).toBe(1);
    expect(calls("images")).toBe(1);
  });
});
