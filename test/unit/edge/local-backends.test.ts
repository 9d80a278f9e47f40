// How an edge dials the replicas on its own host: over the cluster network
// (containerAddress:targetPort), never through the host's address, which the
// edge may not reach from inside its container (127.0.0.1 on a single host).
// Replicas elsewhere stay hostAddress:publishedPort, and status shows the same
// endpoints whichever host's edge plan it reads.

import { describe, expect, it } from "vitest";
import { planEdge, renderEdgeConfig } from "../../../src/edge/index.js";
import type { EdgeInput } from "../../../src/edge/types.js";
import type { ObservedReplica } from "../../../src/model/observed.js";
import { serviceEndpoints } from "../../../src/report/edge-endpoints.js";
import { HOSTS, port, rep, svc } from "./fixtures.js";

const web = svc("web", [port(8080, { published: 80, appProtocol: "http" })]);
const attached = (r: ObservedReplica, ip: string): ObservedReplica => ({ ...r, clusterAddress: ip });

const REPLICAS = [
  attached(rep(web, "1", "h1", 32001), "172.30.0.5"),
  attached(rep(web, "2", "h2", 32002), "172.30.0.6"),
  rep(web, "3", "h3", 32003), // not attached to the cluster network
];

function input(self: string, replicas = REPLICAS, services = [web]): EdgeInput {
  const address = HOSTS.find((h) => h.name === self)?.address ?? "";
  return { cluster: "prod", host: { name: self, address }, hosts: HOSTS, services, replicas };
}

function servers(self: string, replicas = REPLICAS, services = [web]): string[] {
  const plan = planEdge(input(self, replicas, services));
  return (plan.backends[0]?.servers ?? []).map((s) => `${s.host} ${s.address}:${s.port} ${s.endpoint}`);
}

describe("edge backends on the edge's own host", () => {
  it("dials its own host's replica on the cluster network and the others on their hosts", () => {
    expect(servers("h1")).toEqual([
      "h1 172.30.0.5:8080 10.0.0.11:32001",
      "h2 10.0.0.12:32002 10.0.0.12:32002",
      "h3 10.0.0.13:32003 10.0.0.13:32003",
    ]);
    expect(servers("h2")).toEqual([
      "h1 10.0.0.11:32001 10.0.0.11:32001",
      "h2 172.30.0.6:8080 10.0.0.12:32002",
      "h3 10.0.0.13:32003 10.0.0.13:32003",
    ]);
  });

  it("falls back to the host's address when its own replica is not on the cluster network", () => {
    expect(servers("h3")).toContain("h3 10.0.0.13:32003 10.0.0.13:32003");
  });

  it("ignores a cluster address that is not an address", () => {
    const odd = [attached(rep(web, "1", "h1", 32001), "172.30.0.5 backup")];
    expect(servers("h1", odd)).toEqual(["h1 10.0.0.11:32001 10.0.0.11:32001"]);
  });

  it("serves a local replica that publishes nothing, named by its container in status", () => {
    const unpublished = { ...attached(rep(web, "1", "h1", 32001), "172.30.0.5"), publishedPorts: {} };
    expect(servers("h1", [unpublished])).toEqual([`h1 172.30.0.5:8080 h1/${unpublished.name}:8080`]);
    const elsewhere = planEdge(input("h2", [unpublished]));
    expect(elsewhere.backends[0]?.servers).toEqual([]);
    expect(elsewhere.issues.map((i) => i.code)).toEqual(["port-not-published"]);
  });

  it("keeps host networking on the host's address and the target port", () => {
    const hostNet = svc("metrics", [port(9100, { published: 9100 })], { networkMode: "host" });
    const r = attached(rep(hostNet, "1", "h1", 0), "172.30.0.9");
    expect(servers("h1", [r], [hostNet])).toEqual(["h1 10.0.0.11:9100 10.0.0.11:9100"]);
  });

  it("renders different server lines per host but the same endpoints in status", () => {
    const h1 = renderEdgeConfig(input("h1"));
    const h2 = renderEdgeConfig(input("h2"));
    expect(h1).toContain("172.30.0.5:8080");
    expect(h1).not.toContain("172.30.0.6");
    expect(h2).toContain("172.30.0.6:8080");
    const status = (self: string): unknown => [...serviceEndpoints(planEdge(input(self)), [web])];
    expect(status("h1")).toEqual(status("h2"));
    expect(status("h1")).toEqual([
      [
        "web",
        [
          {
            published: 80,
            protocol: "tcp",
            backends: ["10.0.0.11:32001", "10.0.0.12:32002", "10.0.0.13:32003"],
          },
        ],
      ],
    ]);
  });
});
