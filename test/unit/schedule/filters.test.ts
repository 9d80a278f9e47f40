import { describe, expect, it } from "vitest";
import { schedule } from "../../../src/schedule/index.js";
import {
  desiredState,
  GiB,
  host,
  observedCluster,
  replica,
  service,
  type TestHost,
} from "../../support/fixtures.js";
import { countsOf, servicePlacement, slotsOf } from "../../support/placement.js";

function run(
  hosts: readonly TestHost[],
  services: Parameters<typeof desiredState>[1],
  replicas = [] as Parameters<typeof observedCluster>[1],
) {
  return schedule(desiredState(hosts, services), observedCluster(hosts, replicas));
}

describe("filter: host state", () => {
  const cases = [
    { what: "down", bad: host("h1", { state: "down" }), code: "host-down", detail: "host down" },
    {
      what: "unknown",
      bad: host("h1", { state: "unknown" }),
      code: "host-unknown",
      detail: "host not reporting",
    },
    {
      what: "on probation",
      bad: host("h1", { probation: true }),
      code: "host-probation",
      detail: "host on probation",
    },
    { what: "draining", bad: host("h1", { drain: true }), code: "host-draining", detail: "host draining" },
  ] as const;

  for (const c of cases) {
    it(`a host that is ${c.what} gets no new replica`, () => {
      const p = run([c.bad, host("h2")], [service("api", { replicas: 3 })]);
      expect(countsOf(p, "api")).toEqual({ h2: 3 });
    });

    it(`a host that is ${c.what} is reported as "${c.detail}" when nothing else is left`, () => {
      const p = run([c.bad], [service("api", { replicas: 2 })]);
      const u = servicePlacement(p, "api").unschedulable;
      expect(u?.slots).toEqual(["1", "2"]);
      expect(u?.reasons).toEqual([{ code: c.code, detail: c.detail, hosts: 1 }]);
      expect(u?.message).toBe(`0/1 hosts available: 1 ${c.detail}`);
    });
  }

  it("a host that is observed but not in the cluster spec gets nothing", () => {
    const stray = host("zz");
    const hosts = [host("h1")];
    const d = desiredState(hosts, [service("api", { replicas: 2 })]);
    const p = schedule(d, observedCluster([...hosts, stray], []));
    expect(countsOf(p, "api")).toEqual({ h1: 2 });
  });
});

describe("filter: placement constraints", () => {
  const hosts = [
    host("h1", { labels: { zone: "eu-1", disk: "ssd" } }),
    host("h2", { labels: { zone: "eu-2" } }),
    host("h3", {}),
  ];
  const cases: { constraints: string[]; expected: string[] }[] = [
    { constraints: ["node.hostname == h2"], expected: ["h2"] },
    { constraints: ["node.hostname != h2"], expected: ["h1", "h3"] },
    { constraints: ["node.id == h3"], expected: ["h3"] },
    { constraints: ["node.labels.zone == eu-1"], expected: ["h1"] },
    // A missing label never equals a value, so != holds on h3, as in Swarm.
    { constraints: ["node.labels.zone != eu-1"], expected: ["h2", "h3"] },
    { constraints: ["node.labels.zone != eu-1", "node.hostname != h3"], expected: ["h2"] },
    { constraints: ["node.labels.disk == ssd", "node.labels.zone == eu-1"], expected: ["h1"] },
  ];
  for (const c of cases) {
    it(`${c.constraints.join(" and ")} places only on ${c.expected.join(", ")}`, () => {
      const p = run(hosts, [service("api", { replicas: 6, constraints: c.constraints })]);
      expect(Object.keys(countsOf(p, "api")).sort()).toEqual(c.expected);
      expect(servicePlacement(p, "api").unschedulable).toBeUndefined();
    });
  }

  it("reports the first failing constraint per host", () => {
    const p = run(hosts, [service("api", { constraints: ["node.labels.zone == eu-9"] })]);
    expect(servicePlacement(p, "api").unschedulable?.message).toBe(
      "0/3 hosts available: 3 constraint node.labels.zone == eu-9",
    );
  });
});

describe("filter: reservations fit remaining capacity", () => {
  it("does not place more memory than a host has", () => {
    const hosts = [host("h1", { memory: 1 * GiB }), host("h2", { memory: 1 * GiB })];
    const p = run(hosts, [service("api", { replicas: 5, memory: 0.4 * GiB })]);
    expect(countsOf(p, "api")).toEqual({ h1: 2, h2: 2 });
    expect(servicePlacement(p, "api").unschedulable?.message).toBe(
      "0/2 hosts available: 2 insufficient memory",
    );
  });

  it("does not place more cpu than a host has", () => {
    const hosts = [host("h1", { cpus: 1 }), host("h2", { cpus: 2 })];
    const p = run(hosts, [service("api", { replicas: 4, cpus: 0.5 })]);
    expect(Object.values(countsOf(p, "api")).reduce((a, b) => a + b, 0)).toBe(4);
    expect(countsOf(p, "api").h1).toBe(2);
    const q = run(hosts, [service("api", { replicas: 7, cpus: 0.5 })]);
    expect(servicePlacement(q, "api").unschedulable?.reasons).toEqual([
      { code: "insufficient-cpu", detail: "insufficient cpu", hosts: 2 },
    ]);
  });

  it("counts what other services already reserve, including replicas that are kept", () => {
    const hosts = [host("h1", { memory: 1 * GiB }), host("h2", { memory: 1 * GiB })];
    const db = service("db", { memory: 0.8 * GiB });
    const p = run(hosts, [db, service("api", { replicas: 2, memory: 0.5 * GiB })], [replica(db, "1", "h1")]);
    expect(slotsOf(p, "db")).toEqual({ "1": "h1" });
    expect(countsOf(p, "api")).toEqual({ h2: 2 });
  });

  it("evicts a kept replica when its host's capacity shrank below what is reserved", () => {
    const hosts = [host("h1", { memory: 1 * GiB }), host("h2", { memory: 4 * GiB })];
    const api = service("api", { replicas: 2, memory: 0.8 * GiB });
    const p = run(hosts, [api], [replica(api, "1", "h1"), replica(api, "2", "h1")]);
    expect(slotsOf(p, "api")).toEqual({ "1": "h1", "2": "h2" });
    expect(servicePlacement(p, "api").moves).toEqual([
      { slot: "2", from: "h1", to: "h2", code: "insufficient-memory", reason: "h1 has insufficient memory" },
    ]);
  });
});

describe("filter: host-mode published ports", () => {
  it("puts at most one replica binding a host port on each host", () => {
    const p = run([host("h1"), host("h2")], [service("lb", { replicas: 3, hostPorts: [80] })]);
    expect(countsOf(p, "lb")).toEqual({ h1: 1, h2: 1 });
    expect(servicePlacement(p, "lb").unschedulable?.message).toBe(
      "0/2 hosts available: 2 port 80/tcp in use",
    );
  });

  it("keeps two services with the same host port apart", () => {
    const a = service("a", { hostPorts: [8080] });
    const b = service("b", { hostPorts: [8080] });
    const p = run([host("h1"), host("h2")], [a, b], [replica(a, "1", "h1")]);
    expect(slotsOf(p, "b")).toEqual({ "1": "h2" });
  });

  it("filters a host where a container gitfleet does not manage holds the port, naming it", () => {
    const squatted = host("h2", { foreignPorts: [{ port: 9000, protocol: "tcp", owner: "squatter" }] });
    const p = run([host("h1"), squatted, host("h3")], [service("api", { replicas: 3, hostPorts: [9000] })]);
    expect(countsOf(p, "api")).toEqual({ h1: 1, h3: 1 });
    expect(servicePlacement(p, "api").unschedulable?.message).toBe(
      "0/3 hosts available: 2 port 9000/tcp in use, 1 port 9000/tcp (container squatter) in use",
    );
    // Another protocol or port is no conflict.
    const udp = host("h2", { foreignPorts: [{ port: 9000, protocol: "udp", owner: "squatter" }] });
    expect(countsOf(run([udp], [service("api", { hostPorts: [9000] })]), "api")).toEqual({ h2: 1 });
  });

  it("moves a replica off a host where its port was taken by a foreign container", () => {
    const api = service("api", { hostPorts: [9000] });
    const squatted = host("h1", { foreignPorts: [{ port: 9000, protocol: "tcp", owner: "squatter" }] });
    const p = run([squatted, host("h2")], [api], [replica(api, "1", "h1", { state: "created" })]);
    expect(slotsOf(p, "api")).toEqual({ "1": "h2" });
    expect(servicePlacement(p, "api").moves[0]?.reason).toBe(
      "port 9000/tcp (container squatter) on h1 is taken",
    );
  });

  it("ingress ports do not bind on the host and never conflict", () => {
    const p = run([host("h1")], [service("web", { replicas: 3, ingressPorts: [80] })]);
    expect(countsOf(p, "web")).toEqual({ h1: 3 });
  });
});

describe("filter: max_replicas_per_node", () => {
  it("caps the replicas of a service per host", () => {
    const p = run([host("h1"), host("h2")], [service("api", { replicas: 5, maxPerNode: 2 })]);
    expect(countsOf(p, "api")).toEqual({ h1: 2, h2: 2 });
    expect(servicePlacement(p, "api").unschedulable?.message).toBe(
      "0/2 hosts available: 2 max replicas per node (2)",
    );
  });

  it("moves replicas beyond the cap off a host, highest slots first", () => {
    const api = service("api", { replicas: 3, maxPerNode: 1 });
    const hosts = [host("h1"), host("h2"), host("h3")];
    const p = run(
      hosts,
      [api],
      ["1", "2", "3"].map((s) => replica(api, s, "h1")),
    );
    expect(slotsOf(p, "api")).toEqual({ "1": "h1", "2": "h2", "3": "h3" });
    expect(servicePlacement(p, "api").moves.map((m) => [m.slot, m.code])).toEqual([
      ["2", "max-replicas-per-node"],
      ["3", "max-replicas-per-node"],
    ]);
  });
});

describe("unschedulable summary", () => {
  it("counts one reason per host, most frequent first", () => {
    const hosts = [
      host("h1", { labels: { zone: "eu-2" }, memory: 1 * GiB }),
      host("h2", { labels: { zone: "eu-2" }, memory: 1 * GiB }),
      host("h3", { labels: { zone: "eu-1" } }),
    ];
    const p = run(hosts, [service("db", { memory: 2 * GiB, constraints: ["node.labels.zone == eu-2"] })]);
    expect(p.unschedulable).toHaveLength(1);
    expect(p.unschedulable[0]?.message).toBe(
      "0/3 hosts available: 2 insufficient memory, 1 constraint node.labels.zone == eu-2",
    );
  });
});
