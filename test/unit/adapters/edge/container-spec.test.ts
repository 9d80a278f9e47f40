import { describe, expect, it } from "vitest";
import { edgeAliases, edgeShape } from "../../../../src/edge/shape.js";
import {
  ingressCreateOptions,
  namesCreateOptions,
  shapeHash,
} from "../../../../src/adapters/edge/container-spec.js";
import { service } from "../../../support/fixtures.js";

describe("the edge containers' shape", () => {
  const web = service("web", { ingressPorts: [8080] });
  const api = service("api", { hostPorts: [9000] });
  const db = service("db");

  it("runs the ingress edge on the host's network, publishing nothing: listeners are bound by HAProxy", () => {
    const opts = ingressCreateOptions(edgeShape("c1", "gitfleet/haproxy:2.6"));
    expect(opts.name).toBe("gf-c1-edge");
    expect(opts.Labels?.["gitfleet.role"]).toBe("edge");
    expect(opts.Labels?.["gitfleet.edge-part"]).toBe("ingress");
    expect(opts.Labels?.["gitfleet.cluster"]).toBe("c1");
    expect(opts.HostConfig?.NetworkMode).toBe("host");
    expect(opts.HostConfig?.PortBindings).toBeUndefined();
    expect(opts.ExposedPorts).toBeUndefined();
    expect(opts.Cmd).toContain("-S");
  });

  it("puts the names edge on the cluster network with every service name as an alias", () => {
    const opts = namesCreateOptions(edgeShape("c1", "img"), edgeAliases([web, api, db]));
    expect(opts.name).toBe("gf-c1-edge-names");
    expect(opts.Labels?.["gitfleet.edge-part"]).toBe("names");
    expect(opts.HostConfig?.NetworkMode).toBe("gf-c1");
    expect(opts.NetworkingConfig?.EndpointsConfig?.["gf-c1"]?.Aliases).toEqual(["api", "db", "web"]);
  });

  it("leaves ports and names out of the shape: only the image (and cluster) mean a new container", () => {
    const a = shapeHash(edgeShape("c1", "img"), "ingress");
    expect(shapeHash(edgeShape("c1", "img"), "ingress")).toBe(a);
    expect(shapeHash(edgeShape("c1", "img"), "names")).not.toBe(a);
    expect(shapeHash(edgeShape("c1", "img2"), "ingress")).not.toBe(a);
    expect(shapeHash(edgeShape("c2", "img"), "ingress")).not.toBe(a);
  });

  it("lists service names sorted and once, leaving out host-networked services", () => {
    const hostNet = { ...service("metrics"), networkMode: "host" as const };
    expect(edgeAliases([web, db, api, web, hostNet])).toEqual(["api", "db", "web"]);
  });
});
