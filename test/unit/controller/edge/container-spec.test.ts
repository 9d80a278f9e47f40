import { describe, expect, it } from "vitest";
import { edgeCreateOptions, edgeShape, shapeHash } from "../../../../src/controller/edge/container-spec.js";
import { service } from "../../../support/fixtures.js";

describe("the edge container's shape", () => {
  const web = service("web", { ingressPorts: [8080] });
  const api = service("api", { hostPorts: [9000] });
  const db = service("db");

  it("publishes only ingress ports, on the host address, and carries every service name", () => {
    const shape = edgeShape("c1", "gitfleet/haproxy:2.6", "10.0.0.1", [web, api, db]);
    expect(shape.ports).toEqual([8080]);
    expect(shape.aliases).toEqual(["api", "db", "web"]);
    const opts = edgeCreateOptions(shape);
    expect(opts.name).toBe("gf-c1-edge");
    expect(opts.Labels?.["gitfleet.role"]).toBe("edge");
    expect(opts.Labels?.["gitfleet.cluster"]).toBe("c1");
    expect(opts.HostConfig?.PortBindings).toEqual({ "8080/tcp": [{ HostIp: "10.0.0.1", HostPort: "8080" }] });
    expect(opts.NetworkingConfig?.EndpointsConfig?.["gf-c1"]?.Aliases).toEqual(["api", "db", "web"]);
    expect(opts.Cmd).toContain("-S");
  });

  it("changes its hash when ports or names change, not when the input order does", () => {
    const a = shapeHash(edgeShape("c1", "img", "10.0.0.1", [web, api, db]));
    expect(shapeHash(edgeShape("c1", "img", "10.0.0.1", [db, web, api]))).toBe(a);
    expect(shapeHash(edgeShape("c1", "img", "10.0.0.1", [web, api]))).not.toBe(a);
    const moved = service("web", { ingressPorts: [8081] });
    expect(shapeHash(edgeShape("c1", "img", "10.0.0.1", [moved, api, db]))).not.toBe(a);
    expect(shapeHash(edgeShape("c1", "img2", "10.0.0.1", [web, api, db]))).not.toBe(a);
  });
});
