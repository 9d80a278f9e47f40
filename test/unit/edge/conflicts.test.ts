import { describe, expect, it } from "vitest";
import { ingressConflicts, planEdge, renderEdgePlan, splitEdgePlan } from "../../../src/edge/index.js";
import { port, splitBinds, svc } from "./fixtures.js";

describe("ingress ports held on a host by a container gitfleet does not manage", () => {
  const squatted = {
    ...splitBinds(),
    foreignPorts: [{ port: 80, protocol: "tcp" as const, owner: "squatter" }],
  };

  it("leaves that one listener out of this host's edge and keeps every other one", () => {
    const clean = planEdge(splitBinds());
    const plan = planEdge(squatted);
    const names = (p: typeof plan) => p.listeners.map((l) => l.name);
    expect(names(clean)).toContain("fe_10.0.0.11_80");
    expect(names(plan)).toEqual(names(clean).filter((n) => n !== "fe_10.0.0.11_80"));
    // The service is still reachable by name: only its ingress listener on this host is gone.
    expect(plan.backends.map((b) => b.name)).toEqual(clean.backends.map((b) => b.name));
    const ingress = renderEdgePlan(splitEdgePlan(plan).ingress);
    expect(ingress).not.toContain("bind 10.0.0.11:80\n");
    expect(ingress).toContain("port-in-use: ingress port 80/tcp is not served on h1");
  });

  it("reports the conflict with the service, the host, the port and the holder", () => {
    const issue = planEdge(squatted).issues.find((i) => i.code === "port-in-use");
    expect(issue).toEqual({
      code: "port-in-use",
      service: "web",
      host: "h1",
      port: 80,
      message:
        "ingress port 80/tcp is not served on h1: container squatter (not managed by gitfleet) holds it",
    });
  });

  it("ignores foreign ports that are UDP, not ingress ports, or absent", () => {
    const web = svc("web", [port(8080, { published: 80 }), port(9102, { published: 9102, mode: "host" })]);
    expect(ingressConflicts([web], "h1", undefined)).toEqual([]);
    expect(ingressConflicts([web], "h1", [{ port: 80, protocol: "udp", owner: "dns" }])).toEqual([]);
    expect(ingressConflicts([web], "h1", [{ port: 9102, protocol: "tcp", owner: "x" }])).toEqual([]);
    expect(ingressConflicts([web], "h1", [{ port: 80, protocol: "tcp", owner: "x" }])).toHaveLength(1);
  });
});
