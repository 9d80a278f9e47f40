import pino from "pino";
import { describe, expect, it } from "vitest";
import type { EdgeShape } from "../../../../src/controller/edge/container-spec.js";
import type { EdgeHost, EdgeOutcome } from "../../../../src/controller/edge/edge-host.js";
import { edgePlans, reconcileEdges } from "../../../../src/controller/edge/keeper.js";
import type { EdgeTarget } from "../../../../src/adapters/edge/target.js";
import type { ObservedReplica } from "../../../../src/model/observed.js";
import { desiredState, host, observedHost, replica, service } from "../../../support/fixtures.js";

const web = service("web", { ingressPorts: [8080], replicas: 2 });
const hosts = [host("h1"), host("h22"), host("h333")];
const desired = desiredState(hosts, [web]);

function published(r: ObservedReplica, port: number): ObservedReplica {
  return { ...r, publishedPorts: { "8080/tcp": port } };
}
const replicas = [published(replica(web, "1", "h1"), 32001), published(replica(web, "2", "h22"), 32002)];

class FakeEdge implements EdgeHost {
  calls: { shape: EdgeShape; config: string }[] = [];
  constructor(private readonly fail = false) {}
  ensure(shape: EdgeShape, config: string): Promise<EdgeOutcome> {
    this.calls.push({ shape, config });
    return this.fail ? Promise.reject(new Error("boom")) : Promise.resolve("reloaded");
  }
  target(): EdgeTarget {
    throw new Error("not used");
  }
}

const logger = pino({ level: "silent" });

describe("the edge step of a pass", () => {
  it("renders every host's edge with the replicas of all hosts", () => {
    const plans = edgePlans({
      desired,
      hosts: hosts.map((h) => h.observed),
      replicas,
      fresh: new Set(["h1", "h22", "h333"]),
    });
    expect([...plans.keys()]).toEqual(["h1", "h22", "h333"]);
    for (const plan of plans.values()) {
      expect(plan.backends[0]?.servers.map((s) => `${s.address}:${s.port}`)).toEqual([
        "10.0.0.2:32001",
        "10.0.0.3:32002",
      ]);
    }
  });

  it("leaves out replicas that are leaving and hosts that are down", () => {
    const plans = edgePlans({
      desired,
      hosts: [observedHost("h1"), observedHost("h22", { state: "down" }), observedHost("h333")],
      replicas: [...replicas, published(replica(web, "3", "h1", { specHash: "web1111bbbb" }), 32003)],
      fresh: new Set(["h1"]),
      leaving: new Set([replicas[0]?.name ?? ""]),
    });
    expect(plans.get("h1")?.backends[0]?.servers.map((s) => s.port)).toEqual([32003]);
  });

  it("updates only hosts that answered, and one failing host does not stop the others", async () => {
    const edges = new Map([
      ["h1", new FakeEdge(true)],
      ["h22", new FakeEdge()],
      ["h333", new FakeEdge()],
    ]);
    const result = await reconcileEdges(
      { desired, hosts: hosts.map((h) => h.observed), replicas, fresh: new Set(["h1", "h22"]) },
      (h) => edges.get(h),
      logger,
    );
    expect(result.errors.get("h1")).toBe("boom");
    expect(result.outcomes.get("h22")).toBe("reloaded");
    expect(edges.get("h333")?.calls).toHaveLength(0);
    expect(edges.get("h22")?.calls[0]?.shape.ports).toEqual([8080]);
    expect(edges.get("h22")?.calls[0]?.config).toContain("10.0.0.3:32002");
    expect(result.endpoints.get("web")).toEqual([
      { published: 8080, protocol: "tcp", backends: ["10.0.0.2:32001", "10.0.0.3:32002"] },
    ]);
  });
});
