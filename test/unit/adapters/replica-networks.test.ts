// Which networks a replica joins: a stack's service its stack networks only (the
// first at create, the rest before it starts), never the cluster network.

import { describe, expect, it } from "vitest";
import {
  buildCreateOptions,
  replicaNetworks,
  type ReplicaRequest,
} from "../../../src/adapters/docker/container-config.js";
import { service } from "../../support/fixtures.js";

function request(svc: ReplicaRequest["service"]): ReplicaRequest {
  return {
    cluster: "prod",
    service: svc,
    slot: "1",
    commit: "c0ffee",
    secretEnv: {},
    hostAddress: "10.0.0.1",
    policy: { allowPrivileged: false, allowHostNetwork: false, allowBindMounts: [] },
  };
}

describe("replica networks", () => {
  it("puts a services/ document's replica on the cluster network", () => {
    const req = request(service("api"));
    expect(replicaNetworks(req)).toEqual(["gf-prod"]);
    expect(buildCreateOptions(req).HostConfig?.NetworkMode).toBe("gf-prod");
  });

  it("puts a stack's replica on its stack networks only, created on the first", () => {
    const req = request({
      ...service("shop_web"),
      stack: { name: "shop", service: "web" },
      networks: [
        { name: "shared", aliases: ["shop_web", "web"] },
        { name: "shop_default", aliases: ["shop_web", "web"] },
      ],
    });
    expect(replicaNetworks(req)).toEqual(["gf-prod-net-shared", "gf-prod-net-shop_default"]);
    const options = buildCreateOptions(req);
    expect(options.HostConfig?.NetworkMode).toBe("gf-prod-net-shared");
    expect(Object.keys(options.NetworkingConfig?.EndpointsConfig ?? {})).toEqual(["gf-prod-net-shared"]);
    // No aliases on the replica: the network's names edge answers to its names.
    expect(options.NetworkingConfig?.EndpointsConfig?.["gf-prod-net-shared"]).toEqual({});
  });
});
