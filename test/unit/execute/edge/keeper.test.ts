import pino from "pino";
import { describe, expect, it } from "vitest";
import type { EdgeHost, EdgeOutcome, EdgeTarget, EdgeWant } from "../../../../src/ports/edge.js";
import { edgePlans, portConflicts, reconcileEdges } from "../../../../src/execute/edge/keeper.js";
import { serviceEndpoints } from "../../../../src/report/edge-endpoints.js";
import type { ForeignPort, ObservedReplica } from "../../../../src/model/observed.js";
import { EdgeError } from "../../../../src/adapters/edge/errors.js";
import { desiredState, host, observedHost, replica, service } from "../../../support/fixtures.js";

const web = service("web", { ingressPorts: [8080], replicas: 2 });
const hosts = [host("h1"), host("h22"), host("h333")];
const desired = desiredState(hosts, [web]);

function published(r: ObservedReplica, port: number): ObservedReplica {
  return { ...r, publishedPorts: { "8080/tcp": port } };
}
const replicas = [published(replica(web, "1", "h1"), 32001), published(replica(web, "2", "h22"), 32002)];

class FakeEdge implements EdgeHost {
  calls: EdgeWant[] = [];
  constructor(
    private readonly fail = false,
    /** Wants a disruptive change (new image, new names): asks for the pass's turn. */
    private readonly disruptive = false,
  ) {}
  ensure(want: EdgeWant, mayDisrupt: () => boolean): Promise<EdgeOutcome> {
    this.calls.push(want);
    if (this.fail) return Promise.reject(new Error("boom"));
    if (this.disruptive) return Promise.resolve(mayDisrupt() ? "recreated" : "deferred");
    return Promise.resolve("reloaded");
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
    const want = edges.get("h22")?.calls[0];
    expect(want?.shape).toEqual({ cluster: desired.cluster.name, image: desired.cluster.edge.image });
    expect(want?.aliases).toEqual(["web"]);
    // The ingress listener binds h22's own address; the names edge listens on the target port.
    expect(want?.ingress).toContain("bind 10.0.0.3:8080");
    expect(want?.ingress).toContain("10.0.0.3:32002");
    expect(want?.ingress).not.toContain("bind *:");
    expect(want?.names).toContain("bind *:80");
    expect(want?.names).not.toContain("bind 10.0.0.3:8080");
    expect(result.endpoints.get("web")).toEqual([
      { published: 8080, protocol: "tcp", backends: ["10.0.0.2:32001", "10.0.0.3:32002"] },
    ]);
  });

  it("gives one host per pass a disruptive change; the others wait for theirs", async () => {
    const edges = new Map(["h1", "h22", "h333"].map((h) => [h, new FakeEdge(false, true)]));
    const fresh = new Set(["h1", "h22", "h333"]);
    const outcomes: string[][] = [];
    for (let pass = 0; pass < 2; pass++) {
      const result = await reconcileEdges(
        { desired, hosts: hosts.map((h) => h.observed), replicas, fresh },
        (h) => edges.get(h),
        logger,
      );
      outcomes.push([...result.outcomes.values()].sort());
    }
    expect(outcomes[0]).toEqual(["deferred", "deferred", "recreated"]);
    expect(outcomes[1]).toEqual(["deferred", "deferred", "recreated"]);
  });

  it("renders a host's edge again without a port HAProxy could not bind there, and applies it", async () => {
    const wants: EdgeWant[] = [];
    const held: ForeignPort[] = [];
    const edge: EdgeHost = {
      ensure(want) {
        wants.push(want);
        if (wants.length === 1) {
          held.push({ port: 8080, protocol: "tcp", owner: "", outsideDocker: true });
          return Promise.reject(new EdgeError("edge-bind-failed", "h22: cannot bind 8080"));
        }
        return Promise.resolve("reloaded");
      },
      heldPorts: () => held,
      target: () => {
        throw new Error("not used");
      },
    };
    const result = await reconcileEdges(
      { desired, hosts: hosts.map((h) => h.observed), replicas, fresh: new Set(["h22"]) },
      (h) => (h === "h22" ? edge : undefined),
      logger,
    );
    expect(result.errors.size).toBe(0);
    expect(result.outcomes.get("h22")).toBe("reloaded");
    expect(wants[0]?.ingress).toContain("bind 10.0.0.3:8080");
    expect(wants[1]?.ingress).not.toContain("bind 10.0.0.3:8080");
    expect(result.conflicts.get("web")).toEqual([
      "ingress port 8080/tcp is not served on h22: the edge cannot bind it (held outside Docker or by a host-networked container)",
    ]);
  });

  it("reports the port conflicts and endpoints of every host's plan without planning hosts it does not apply", async () => {
    const api = service("api", { ingressPorts: [8080, 9090], replicas: 2 });
    const db = service("db", { ingressPorts: [5432], replicas: 1 });
    const squat = (port: number, owner: string): ForeignPort => ({ port, protocol: "tcp", owner });
    const observed = [
      observedHost("h1", { foreignPorts: [squat(9090, "x"), squat(8080, "y")] }),
      observedHost("h22", { foreignPorts: [squat(5432, "pg")] }),
      observedHost("h333", { foreignPorts: [squat(8080, "y")] }),
    ];
    const state = desiredState(hosts, [web, api, db]);
    const reps = [
      published(replica(web, "1", "h1"), 32001),
      published(replica(api, "1", "h22"), 32002),
      published(replica(api, "2", "h333"), 32003),
    ];
    const input = { desired: state, hosts: observed, replicas: reps, fresh: new Set(["h1", "h22", "h333"]) };
    const plans = edgePlans(input);
    const result = await reconcileEdges(input, () => undefined, logger);
    expect(result.conflicts).toEqual(portConflicts(plans));
    expect([...result.conflicts.keys()].sort()).toEqual(["api", "db", "web"]);
    expect(result.endpoints).toEqual(serviceEndpoints(plans.get("h1"), state.services));
    expect(result.endpoints.get("api")?.[0]?.backends).toEqual(["10.0.0.3:32002", "10.0.0.4:32003"]);
    expect(result.outcomes.size).toBe(0);
    // No host has an edge: only the services that publish a port were planned, once.
    expect(result.planned).toBe(1);
  });

  it("plans no edge when no host has one and no service publishes a port, and reports as a plan would", async () => {
    const internal = service("internal", { replicas: 2 });
    const state = desiredState(hosts, [internal]);
    const reps = [replica(internal, "1", "h1"), replica(internal, "2", "h22")];
    const squat: ForeignPort = { port: 8080, protocol: "tcp", owner: "y" };
    const observed = [
      observedHost("h1", { foreignPorts: [squat] }),
      observedHost("h22"),
      observedHost("h333"),
    ];
    const input = { desired: state, hosts: observed, replicas: reps, fresh: new Set(["h1", "h22", "h333"]) };
    const plans = edgePlans(input);
    const result = await reconcileEdges(input, () => undefined, logger);
    expect(result.planned).toBe(0);
    expect(result.endpoints).toEqual(serviceEndpoints(plans.get("h1"), state.services));
    expect(result.conflicts).toEqual(portConflicts(plans));
    // With an edge on one host, that host's edges are planned (the ingress and the names edges).
    const withEdge = await reconcileEdges(input, (h) => (h === "h22" ? new FakeEdge() : undefined), logger);
    expect(withEdge.planned).toBe(2);
    expect(withEdge.endpoints).toEqual(result.endpoints);
  });
});

describe("stack networks", () => {
  // Two stacks, each with a service named web on port 80: each stack's network edge answers
  // to "web" for its own stack only; the cluster network's names edge knows neither.
  const onNet = (name: string, stack: string, also: string[] = []): ReturnType<typeof service> => ({
    ...service(name, { replicas: 1 }),
    ports: [{ target: 80, protocol: "tcp", mode: "ingress", appProtocol: "http" }],
    stack: { name: stack, service: "web" },
    networks: [
      { name: `${stack}_default`, aliases: ["web", name] },
      ...also.map((n) => ({ name: n, aliases: ["web", name] })),
    ],
  });
  const a = onNet("a_web", "a", ["shared"]);
  const b = onNet("b_web", "b");
  const api = service("api", { ingressPorts: [8080] });
  const state = desiredState(hosts, [a, b, api]);
  const local = (r: ObservedReplica, addresses: Record<string, string>): ObservedReplica => ({
    ...r,
    clusterAddress: Object.values(addresses)[0] ?? "",
    networkAddresses: addresses,
    publishedPorts: { "80/tcp": 31000 },
  });
  const observed = [
    local(replica(a, "1", "h1"), { a_default: "172.20.0.5", shared: "172.22.0.5" }),
    local(replica(b, "1", "h1"), { b_default: "172.21.0.7" }),
  ];

  it("gives each stack network its own names edge, routing its Compose names to its own services", async () => {
    const edge = new FakeEdge();
    await reconcileEdges(
      { desired: state, hosts: hosts.map((h) => h.observed), replicas: observed, fresh: new Set(["h1"]) },
      (h) => (h === "h1" ? edge : undefined),
      logger,
    );
    const want = edge.calls[0];
    expect(want?.aliases).toEqual(["api"]);
    expect(want?.names).not.toContain("a_web");
    expect(want?.networks?.map((n) => [n.network, n.aliases])).toEqual([
      ["a_default", ["a_web", "web"]],
      ["b_default", ["b_web", "web"]],
      ["shared", ["a_web", "web"]],
    ]);
    const config = (network: string): string =>
      want?.networks?.find((n) => n.network === network)?.config ?? "";
    // Each network's edge dials its own host's replica at its address on that network.
    expect(config("a_default")).toContain("172.20.0.5:80");
    expect(config("a_default")).not.toContain("b_web");
    expect(config("shared")).toContain("172.22.0.5:80");
    expect(config("b_default")).toContain("172.21.0.7:80");
    expect(config("b_default")).not.toContain("a_web");
  });
});

describe("a stack's service that lists no port", () => {
  // paperless's db as Compose files write it: no ports:, no expose:; postgres's image EXPOSEs 5432.
  const db = {
    ...service("shop_db", { replicas: 1 }),
    stack: { name: "shop", service: "db" },
    networks: [{ name: "shop_default", aliases: ["db", "shop_db"] }],
  };
  const app = {
    ...service("shop_app", { replicas: 1 }),
    stack: { name: "shop", service: "app" },
    dependsOn: ["shop_db"],
  };
  const state = desiredState(hosts, [app, db]);
  const onH22 = (imagePorts?: string[]): ObservedReplica => ({
    ...replica(db, "1", "h22"),
    ...(imagePorts !== undefined ? { imagePorts } : {}),
    networkAddresses: { shop_default: "172.20.0.9" },
    clusterAddress: "172.20.0.9",
    publishedPorts: { "5432/tcp": 32100 },
  });
  const pass = async (r: ObservedReplica): Promise<{ config: string; conflicts: string[] }> => {
    const edge = new FakeEdge();
    const result = await reconcileEdges(
      { desired: state, hosts: hosts.map((h) => h.observed), replicas: [r], fresh: new Set(["h1"]) },
      (h) => (h === "h1" ? edge : undefined),
      logger,
    );
    return {
      config: edge.calls[0]?.networks?.find((n) => n.network === "shop_default")?.config ?? "",
      conflicts: [...(result.conflicts.get("shop_db") ?? [])],
    };
  };

  it("is served by name on its image's port once observed, reaching the replica on another host", async () => {
    const { config, conflicts } = await pass(onH22(["5432/tcp"]));
    expect(config).toMatch(/bind \S+:5432\b/);
    expect(config).toContain("10.0.0.3:32100");
    expect(conflicts).toEqual([]);
  });

  it("has no listener before its image was read (the next pass adds it)", async () => {
    const { config, conflicts } = await pass(onH22());
    expect(config).not.toContain(":5432");
    expect(conflicts).toEqual([]);
  });

  it("is said to be unreachable by name when its image exposes no TCP port", async () => {
    const { config, conflicts } = await pass(onH22(["53/udp"]));
    expect(config).not.toContain(":5432");
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]).toContain("unreachable-by-name");
  });

  it("says which of two services whose images expose the same port is not served by name", async () => {
    const db2 = { ...db, name: "shop_db2", stack: { name: "shop", service: "db2" } };
    const two = desiredState(hosts, [db, db2]);
    const r2 = { ...onH22(["5432/tcp"]), ...replica(db2, "1", "h1"), imagePorts: ["5432/tcp"] };
    const result = await reconcileEdges(
      {
        desired: two,
        hosts: hosts.map((h) => h.observed),
        replicas: [onH22(["5432/tcp"]), { ...r2, publishedPorts: { "5432/tcp": 32200 } }],
        fresh: new Set<string>(),
      },
      () => undefined,
      logger,
    );
    expect([...result.conflicts.keys()]).toEqual(["shop_db2"]);
    expect(result.conflicts.get("shop_db2")?.[0]).toContain("port 5432");
  });
});
