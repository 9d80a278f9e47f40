// One test (at least) per rule of "Rules every commit must pass" that spans
// documents, each asserting the exact place and code reported.

import { describe, expect, it } from "vitest";
import { ceilingWith, CLUSTER, errorsOf, expectOnlyError, lines, repo, service, stateOf } from "./helpers.js";

const CAPACITY_CLUSTER = lines(
  "kind: Cluster",
  "name: test",
  "hosts:",
  "  - name: h1",
  "    docker: unix:///var/run/docker.sock",
  "    address: 10.0.0.1",
  "    capacity: {cpus: 2, memory: 1G}",
  "  - name: h2",
  "    docker: tcp://10.0.0.2:2376",
  "    address: 10.0.0.2",
  "    capacity: {cpus: 4, memory: 512M}",
);

describe("duplicate names", () => {
  it("reports a service name defined twice at the second definition, pointing back at the first", () => {
    const e = expectOnlyError(
      repo({ "services/a.yaml": service("api"), "services/b.yaml": service("api") }),
      "services/b.yaml:2:7",
      "duplicate-service",
    );
    expect(e.message).toContain("services/a.yaml:2:7");
  });

  it("finds duplicates between documents of one file", () => {
    expectOnlyError(
      repo({ "services/x.yaml": `${service("api")}---\n${service("api")}` }),
      "services/x.yaml:6:7",
      "duplicate-service",
    );
  });

  it("still reports a duplicate when the first definition has schema errors", () => {
    const errors = errorsOf(
      repo({ "services/a.yaml": service("api", "replica: 3"), "services/b.yaml": service("api") }),
    );
    expect(errors.map((e) => `${e.path}:${e.line}:${e.col} ${e.code}`)).toEqual([
      "services/a.yaml:4:1 unknown-key",
      "services/b.yaml:2:7 duplicate-service",
    ]);
  });

  it("reports a host name used twice", () => {
    const cluster = CLUSTER.replace("  - name: h2", "  - name: h1");
    expectOnlyError(
      repo({ "services/a.yaml": service("a") }, cluster),
      "cluster.yaml:8:11",
      "duplicate-host",
    );
  });
});

describe("depends_on", () => {
  it("reports an unknown service, suggesting a close name", () => {
    const e = expectOnlyError(
      repo({ "services/a.yaml": service("api", "depends_on: [dbb]"), "services/db.yaml": service("db") }),
      "services/a.yaml:4:14",
      "depends-on-unknown",
    );
    expect(e.message).toBe(
      'depends_on names "dbb", which is not a service in this repository: did you mean "db"?',
    );
  });

  it("points at the key in Compose's map form", () => {
    expectOnlyError(
      repo({ "services/a.yaml": service("api", "depends_on:", "  nope:", "    condition: service_healthy") }),
      "services/a.yaml:5:3",
      "depends-on-unknown",
    );
  });

  it("does not call a service unknown because its own document has errors", () => {
    const errors = errorsOf(
      repo({
        "services/a.yaml": service("api", "depends_on: [db]"),
        "services/db.yaml": service("db", "replica: 1"),
      }),
    );
    expect(errors.map((e) => e.code)).toEqual(["unknown-key"]);
  });

  it("names a cycle in full, once, at the edge leaving its first service", () => {
    const e = expectOnlyError(
      repo({
        "services/a.yaml": service("a", "depends_on: [b]"),
        "services/b.yaml": service("b", "depends_on: [c]"),
        "services/c.yaml": service("c", "depends_on: [a]"),
      }),
      "services/a.yaml:4:14",
      "depends-on-cycle",
    );
    expect(e.message).toBe("depends_on forms a cycle: a → b → c → a");
  });

  it("treats a service depending on itself as a cycle", () => {
    const e = expectOnlyError(
      repo({ "services/a.yaml": service("a", "depends_on: [a]") }),
      "services/a.yaml:4:14",
      "depends-on-cycle",
    );
    expect(e.message).toContain("a → a");
  });

  it("accepts a diamond, which is not a cycle", () => {
    const state = stateOf(
      repo({
        "services/a.yaml": service("a", "depends_on: [b, c]"),
        "services/b.yaml": service("b", "depends_on: [d]"),
        "services/c.yaml": service("c", "depends_on: [d]"),
        "services/d.yaml": service("d"),
      }),
    );
    expect(state.services.find((s) => s.name === "a")?.dependsOn).toEqual(["b", "c"]);
  });
});

describe("published ports", () => {
  it("reports two services publishing the same port and protocol", () => {
    const e = expectOnlyError(
      repo({
        "services/api.yaml": service("api", 'ports: ["8080:80"]'),
        "services/web.yaml": service("web", "ports:", "  - target: 80", "    published: 8080"),
      }),
      "services/web.yaml:6:16",
      "port-conflict",
    );
    expect(e.message).toContain(
      'port 8080/tcp is already published by service "api" (services/api.yaml:4:9)',
    );
  });

  it("counts host-mode and ingress publishing alike", () => {
    expectOnlyError(
      repo({
        "services/api.yaml": service("api", 'ports: ["8080:80"]'),
        "services/web.yaml": service("web", "ports:", "  - {target: 80, published: 8080, mode: host}"),
      }),
      "services/web.yaml:5:29",
      "port-conflict",
    );
  });

  it("keeps ingress ports off the port the edge uses itself", () => {
    const e = expectOnlyError(
      repo({ "services/api.yaml": service("api", 'ports: ["65001:80"]') }),
      "services/api.yaml:4:9",
      "port-reserved",
    );
    expect(e.message).toContain("port 65001 is used by the edge itself");
    const hostMode = repo({
      "services/api.yaml": service("api", "ports:", "  - {target: 80, published: 65001, mode: host}"),
    });
    expect(stateOf(hostMode).services[0]?.ports[0]?.published).toBe(65001);
  });

  it("reports one service publishing a port twice", () => {
    expectOnlyError(
      repo({ "services/api.yaml": service("api", 'ports: ["8080:80", "8080:81"]') }),
      "services/api.yaml:4:20",
      "port-conflict",
    );
  });

  it("allows the same number over another protocol", () => {
    stateOf(
      repo({
        "services/api.yaml": service("api", 'ports: ["53:53/udp"]'),
        "services/dns.yaml": service("dns", 'ports: ["53:53/tcp"]'),
      }),
    );
  });
});

describe("placement constraints", () => {
  const constrained = (list: string): string =>
    service("api", "deploy:", "  placement:", `    constraints: [${list}]`);

  it("reports a constraint no host satisfies, listing what the hosts have", () => {
    const e = expectOnlyError(
      repo({ "services/a.yaml": constrained('"node.labels.zone == c"') }),
      "services/a.yaml:6:19",
      "unsatisfiable-constraint",
    );
    expect(e.message).toContain("zone: a on h1, b on h2");
  });

  it("reports constraints that each match some host but together none", () => {
    const e = expectOnlyError(
      repo({ "services/a.yaml": constrained('"node.labels.zone == a", "node.hostname == h2"') }),
      "services/a.yaml:6:19",
      "unsatisfiable-constraint",
    );
    expect(e.message).toContain("together");
  });

  it("points into cluster.yaml when the constraint comes from the cluster's defaults", () => {
    const cluster = CLUSTER + lines("defaults:", "  placement:", '    constraints: ["node.hostname == h9"]');
    expectOnlyError(
      repo({ "services/a.yaml": service("a") }, cluster),
      "cluster.yaml:14:19",
      "unsatisfiable-constraint",
    );
  });

  it("accepts satisfiable combinations, and != on a label no host has", () => {
    stateOf(repo({ "services/a.yaml": constrained('"node.labels.zone == a", "node.labels.rack != r1"') }));
  });
});

describe("reservations against declared capacity", () => {
  const reserving = (set: string, ...more: string[]): string =>
    service("api", "deploy:", "  resources:", `    reservations: ${set}`, ...more);

  it("reports memory larger than every host has", () => {
    const e = expectOnlyError(
      repo({ "services/a.yaml": reserving("{memory: 2G}") }, CAPACITY_CLUSTER),
      "services/a.yaml:6:28",
      "reservation-too-large",
    );
    expect(e.message).toContain("at most 1 GiB");
  });

  it("reports CPUs larger than every host has", () => {
    expectOnlyError(
      repo({ "services/a.yaml": reserving("{cpus: 8}") }, CAPACITY_CLUSTER),
      "services/a.yaml:6:26",
      "reservation-too-large",
    );
  });

  it("reports a reservation no single host can meet on both counts", () => {
    expectOnlyError(
      repo({ "services/a.yaml": reserving("{cpus: 3, memory: 768M}") }, CAPACITY_CLUSTER),
      "services/a.yaml:6:19",
      "reservation-too-large",
    );
  });

  it("only counts the hosts the constraints allow", () => {
    const spec = reserving("{memory: 768M}", "  placement:", '    constraints: ["node.hostname == h2"]');
    expectOnlyError(
      repo({ "services/a.yaml": spec }, CAPACITY_CLUSTER),
      "services/a.yaml:6:28",
      "reservation-too-large",
    );
  });

  it("points into cluster.yaml for a reservation from the defaults", () => {
    const cluster = CAPACITY_CLUSTER + lines("defaults:", "  resources:", "    reservations: {memory: 2G}");
    expectOnlyError(
      repo({ "services/a.yaml": service("a") }, cluster),
      "cluster.yaml:14:28",
      "reservation-too-large",
    );
  });

  it("skips the check when a host's capacity is not declared", () => {
    stateOf(repo({ "services/a.yaml": reserving("{cpus: 64, memory: 1T}") }));
  });
});

describe("cluster policy, within the operator's ceiling", () => {
  const permissive = ceilingWith({
    allowPrivileged: true,
    allowHostNetwork: true,
    allowBindMounts: ["/"],
  });

  it("refuses privileged containers when cluster.yaml's policy narrows the ceiling", () => {
    const files = { "services/a.yaml": service("api", "privileged: true") };
    const narrowed = CLUSTER + lines("policy:", "  allow_privileged: false");
    expectOnlyError(repo(files, narrowed), "services/a.yaml:4:13", "policy-privileged", permissive);
    stateOf(repo(files), permissive);
  });

  it("refuses network_mode host when cluster.yaml's policy narrows the ceiling", () => {
    const files = { "services/a.yaml": service("api", "network_mode: host") };
    const narrowed = CLUSTER + lines("policy:", "  allow_host_network: false");
    expectOnlyError(repo(files, narrowed), "services/a.yaml:4:15", "policy-host-network", permissive);
    stateOf(repo(files), permissive);
  });

  it("refuses network_mode other than host at the key, even under a permissive ceiling, saying to remove it", () => {
    const files = { "services/a.yaml": service("api", "network_mode: container:vpn") };
    expectOnlyError(repo(files), "services/a.yaml:4:1", "unsupported-config", permissive);
    expect(errorsOf(repo(files), permissive)[0]?.message).toContain(
      "remove network_mode, so the service joins the cluster network and reaches vpn by its name",
    );
  });

  it("allows bind mounts only under the allowed prefixes, after resolving ..", () => {
    const cluster = CLUSTER + lines("policy:", "  allow_bind_mounts: [/srv/data]");
    const spec = service(
      "api",
      "volumes:",
      '  - "/srv/data/app:/data"',
      '  - "/srv/database:/db"',
      '  - "/srv/data/../../etc:/etc2"',
      "  - type: bind",
      "    source: /etc",
      "    target: /etc3",
    );
    const errors = errorsOf(repo({ "services/a.yaml": spec }, cluster), permissive);
    expect(errors.map((e) => `${e.path}:${e.line}:${e.col} ${e.code}`)).toEqual([
      "services/a.yaml:6:5 policy-bind-mount",
      "services/a.yaml:7:5 policy-bind-mount",
      "services/a.yaml:8:5 policy-bind-mount",
    ]);
    expect(errors[1]?.message).toContain("/srv/data/../../etc (that is /etc)");
  });

  it("refuses every bind mount when the policy names no prefix", () => {
    const cluster = CLUSTER + lines("policy:", "  allow_bind_mounts: []");
    const e = expectOnlyError(
      repo({ "services/a.yaml": service("api", 'volumes: ["/srv/x:/x"]') }, cluster),
      "services/a.yaml:4:11",
      "policy-bind-mount",
      permissive,
    );
    expect(e.message).toContain("allows none");
  });

  it("always refuses the Docker socket and directories holding it, even when / is allowed", () => {
    const cluster = CLUSTER + lines("policy:", '  allow_bind_mounts: ["/"]');
    const spec = service(
      "api",
      "volumes:",
      "  - /var/run/docker.sock:/var/run/docker.sock",
      "  - /run:/host-run",
      "  - /srv:/srv",
    );
    const errors = errorsOf(repo({ "services/a.yaml": spec }, cluster), permissive);
    expect(errors.map((e) => `${e.path}:${e.line}:${e.col} ${e.code}`)).toEqual([
      "services/a.yaml:5:5 policy-docker-socket",
      "services/a.yaml:6:5 policy-docker-socket",
    ]);
  });
});

describe("reserved labels", () => {
  it("refuses gitfleet.* label keys in map form, at the key", () => {
    expectOnlyError(
      repo({ "services/a.yaml": service("api", "labels:", "  gitfleet.service: x", "  team: a") }),
      "services/a.yaml:5:3",
      "reserved-label",
    );
  });

  it("refuses them in list form and in any letter case", () => {
    expectOnlyError(
      repo({ "services/a.yaml": service("api", 'labels: ["team=a", "GitFleet.role=x"]') }),
      "services/a.yaml:4:20",
      "reserved-label",
    );
  });
});

describe("every problem in one run", () => {
  it("checks the sound parts of a document that fails its schema against every other rule", () => {
    const errors = errorsOf(
      repo({
        "services/a.yaml": service(
          "a",
          "replica: 3", // 4: schema (unknown key)
          "depends_on: [nope]", // 5: a rule across documents
          "stop_grace_period: 10 s", // 6: schema (duration)
          'ports: ["80:80"]', // 7
        ),
        "services/b.yaml": service("b", 'ports: ["80:80"]'), // 4: conflicts with a's port
      }),
    );
    expect(errors.map((e) => `${e.path}:${e.line}:${e.col} ${e.code}`)).toEqual([
      "services/a.yaml:4:1 unknown-key",
      "services/a.yaml:5:14 depends-on-unknown",
      "services/a.yaml:6:20 bad-duration",
      "services/b.yaml:4:9 port-conflict",
    ]);
  });

  it("does not guess at a document without its required keys", () => {
    const errors = errorsOf(repo({ "services/a.yaml": "kind: Service\nname: a\ndepends_on: [nope]\n" }));
    expect(errors.map((e) => e.code)).toEqual(["schema"]);
  });
});
