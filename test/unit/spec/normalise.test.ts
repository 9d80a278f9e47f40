// Valid documents become the model: units converted, Compose's spellings
// unified, cluster defaults merged under each deploy block, Swarm defaults
// under those.

import { describe, expect, it } from "vitest";
import type { Ceiling } from "../../../src/model/ceiling.js";
import type { ServiceSpec } from "../../../src/model/spec.js";
import { ceilingWith, CLUSTER, expectOnlyError, lines, repo, service, stateOf } from "./helpers.js";

const only = (text: string, cluster: string = CLUSTER, ceiling?: Ceiling): ServiceSpec => {
  const [s] = stateOf(repo({ "services/s.yaml": text }, cluster), ceiling).services;
  if (!s) throw new Error("no service");
  return s;
};

describe("a complete service", () => {
  it("normalises every field", () => {
    const text = lines(
      "kind: Service",
      "name: api",
      "image: registry.example.com/shop/api:1.4.2",
      'command: ["node", "server.js"]',
      "entrypoint: /sbin/tini --",
      "environment:",
      "  LOG_LEVEL: info",
      "  WORKERS: 4",
      "env_secrets:",
      "  DB_PASSWORD: shop-db-password",
      "ports:",
      "  - target: 8080",
      "    published: 8080",
      '  - "9090:9091/udp"',
      "healthcheck:",
      '  test: ["CMD", "wget", "-qO-", "http://localhost:8080/health"]',
      "  interval: 5s",
      "  timeout: 2s",
      "  retries: 3",
      "  start_period: 1m30s",
      "depends_on: [db]",
      "volumes:",
      "  - type: volume",
      "    source: api-data",
      "    target: /data",
      "  - cache:/cache:ro",
      "labels: {team: shop}",
      "stop_grace_period: 500ms",
      'user: "1000"',
      "read_only: true",
      "cap_add: [NET_BIND_SERVICE]",
      "cap_drop: [ALL]",
      "deploy:",
      "  replicas: 3",
      "  resources:",
      '    limits: {cpus: "0.50", memory: 256M}',
      '    reservations: {cpus: "0.25", memory: 128M}',
      "  placement:",
      '    constraints: ["node.labels.zone == a", "node.hostname != h2"]',
      "    preferences: [{spread: node.labels.zone}]",
      "    max_replicas_per_node: 2",
      "  update_config:",
      "    parallelism: 2",
      "    delay: 10s",
      "    order: start-first",
      "    failure_action: rollback",
      "    monitor: 1m",
      "    max_failure_ratio: 0.25",
      "  rollback_config: {}",
      "  restart_policy:",
      "    condition: on-failure",
      "    delay: 2h",
      "    max_attempts: 5",
      "    window: 30s",
    );
    const state = stateOf(repo({ "services/api.yaml": text, "services/db.yaml": service("db") }));
    const api = state.services.find((s) => s.name === "api");
    expect(api).toEqual({
      name: "api",
      image: "registry.example.com/shop/api:1.4.2",
      command: ["node", "server.js"],
      entrypoint: ["/sbin/tini", "--"],
      environment: { LOG_LEVEL: "info", WORKERS: "4" },
      envSecrets: { DB_PASSWORD: "shop-db-password" },
      ports: [
        { target: 8080, protocol: "tcp", published: 8080, mode: "ingress" },
        { target: 9091, protocol: "udp", published: 9090, mode: "ingress" },
      ],
      healthcheck: {
        test: ["CMD", "wget", "-qO-", "http://localhost:8080/health"],
        intervalMs: 5_000,
        timeoutMs: 2_000,
        retries: 3,
        startPeriodMs: 90_000,
      },
      dependsOn: ["db"],
      volumes: [
        { type: "volume", source: "api-data", target: "/data", readOnly: false },
        { type: "volume", source: "cache", target: "/cache", readOnly: true },
      ],
      labels: { team: "shop" },
      stopGracePeriodMs: 500,
      user: "1000",
      readOnly: true,
      capAdd: ["NET_BIND_SERVICE"],
      capDrop: ["ALL"],
      privileged: false,
      deploy: {
        mode: "replicated",
        replicas: 3,
        limits: { nanoCpus: 500_000_000, memoryBytes: 256 * 1024 ** 2 },
        reservations: { nanoCpus: 250_000_000, memoryBytes: 128 * 1024 ** 2 },
        placement: {
          constraints: [
            { key: "node.labels.zone", op: "==", value: "a", raw: "node.labels.zone == a" },
            { key: "node.hostname", op: "!=", value: "h2", raw: "node.hostname != h2" },
          ],
          preferences: [{ spread: "node.labels.zone" }],
          maxReplicasPerNode: 2,
        },
        updateConfig: {
          parallelism: 2,
          delayMs: 10_000,
          order: "start-first",
          failureAction: "rollback",
          monitorMs: 60_000,
          maxFailureRatio: 0.25,
        },
        rollbackConfig: {
          parallelism: 1,
          delayMs: 0,
          order: "stop-first",
          failureAction: "pause",
          monitorMs: 5_000,
          maxFailureRatio: 0,
        },
        restartPolicy: { condition: "on-failure", delayMs: 7_200_000, maxAttempts: 5, windowMs: 30_000 },
      },
      specHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      source: { path: "services/api.yaml", line: 1, col: 1 },
    });
  });

  it("fills Docker's and Swarm's defaults for a minimal service", () => {
    const s = only(service("api"));
    expect(s.environment).toEqual({});
    expect(s.ports).toEqual([]);
    expect(s.healthcheck).toBeUndefined();
    expect(s.command).toBeUndefined();
    expect(s.stopGracePeriodMs).toBe(10_000);
    expect(s.deploy.mode).toBe("replicated");
    expect(s.deploy.replicas).toBe(1);
    expect(s.deploy.limits).toEqual({ nanoCpus: 0, memoryBytes: 0 });
    expect(s.deploy.updateConfig).toEqual({
      parallelism: 1,
      delayMs: 0,
      order: "stop-first",
      failureAction: "pause",
      monitorMs: 5_000,
      maxFailureRatio: 0,
    });
    expect(s.deploy.rollbackConfig).toEqual(s.deploy.updateConfig);
    expect(s.deploy.restartPolicy).toEqual({ condition: "any", delayMs: 5_000, maxAttempts: 0, windowMs: 0 });
  });
});

describe("Compose's alternative spellings", () => {
  it("reads environment and labels as lists of KEY=value", () => {
    const s = only(
      service("api", 'environment: ["A=1", "B=x=y", "EMPTY="]', 'labels: ["team=shop", "flag"]'),
    );
    expect(s.environment).toEqual({ A: "1", B: "x=y", EMPTY: "" });
    expect(s.labels).toEqual({ team: "shop", flag: "" });
  });

  it("turns numbers and booleans in maps into strings", () => {
    expect(only(service("api", "environment: {N: 1.5, B: true}")).environment).toEqual({
      N: "1.5",
      B: "true",
    });
  });

  it("splits a string command like a shell, without running one", () => {
    const s = only(service("api", `command: sh -c 'echo "hi there" && sleep 1' x\\ y`));
    expect(s.command).toEqual(["sh", "-c", 'echo "hi there" && sleep 1', "x y"]);
  });

  it("reads a string health test as CMD-SHELL and disable as NONE", () => {
    expect(only(service("api", "healthcheck: {test: curl -f http://x/}")).healthcheck?.test).toEqual([
      "CMD-SHELL",
      "curl -f http://x/",
    ]);
    const off = only(service("api", "healthcheck: {disable: true}")).healthcheck;
    expect(off).toEqual({
      test: ["NONE"],
      intervalMs: 30_000,
      timeoutMs: 30_000,
      retries: 3,
      startPeriodMs: 0,
    });
  });

  it("reads depends_on in map form", () => {
    const db = service("db");
    const state = stateOf(
      repo({
        "services/a.yaml": service("api", "depends_on:", "  db: {condition: service_started}"),
        "services/db.yaml": db,
      }),
    );
    expect(state.services.find((s) => s.name === "api")?.dependsOn).toEqual(["db"]);
  });

  it("reads ports in short form: target only, published:target, with protocol", () => {
    expect(only(service("api", 'ports: [80, "81", "8080:82", "53:53/udp"]')).ports).toEqual([
      { target: 80, protocol: "tcp", mode: "ingress" },
      { target: 81, protocol: "tcp", mode: "ingress" },
      { target: 82, protocol: "tcp", mode: "ingress", published: 8080 },
      { target: 53, protocol: "udp", mode: "ingress", published: 53 },
    ]);
  });

  it("reads volumes in short form: anonymous, named, bind, read-only", () => {
    const s = only(
      service("api", 'volumes: ["/anon", "data:/data", "/srv/x:/x:ro", "tmp:/tmp:rw"]'),
      CLUSTER,
      ceilingWith({ allowBindMounts: ["/srv"] }),
    );
    expect(s.volumes).toEqual([
      { type: "volume", target: "/anon", readOnly: false },
      { type: "volume", source: "data", target: "/data", readOnly: false },
      { type: "bind", source: "/srv/x", target: "/x", readOnly: true },
      { type: "volume", source: "tmp", target: "/tmp", readOnly: false },
    ]);
  });

  it("keeps the edge settings of a port", () => {
    expect(
      only(service("api", "ports:", "  - {target: 80, app_protocol: http, proxy_protocol: true}")).ports,
    ).toEqual([{ target: 80, protocol: "tcp", mode: "ingress", appProtocol: "http", proxyProtocol: true }]);
  });

  it("takes user as a number too", () => {
    expect(only(service("api", "user: 1000")).user).toBe("1000");
  });
});

describe("cluster defaults", () => {
  const withDefaults =
    CLUSTER +
    lines(
      "defaults:",
      "  replicas: 2",
      "  update_config: {order: start-first, monitor: 10s}",
      "  restart_policy: {condition: on-failure}",
      "  placement:",
      '    constraints: ["node.labels.zone == a"]',
    );

  it("are merged under each service's deploy block, key by key", () => {
    const s = only(service("api", "deploy:", "  update_config: {parallelism: 3}"), withDefaults);
    expect(s.deploy.replicas).toBe(2);
    expect(s.deploy.updateConfig).toMatchObject({ parallelism: 3, order: "start-first", monitorMs: 10_000 });
    expect(s.deploy.rollbackConfig.order).toBe("stop-first");
    expect(s.deploy.restartPolicy).toEqual({
      condition: "on-failure",
      delayMs: 5_000,
      maxAttempts: 0,
      windowMs: 0,
    });
    expect(s.deploy.placement.constraints.map((c) => c.raw)).toEqual(["node.labels.zone == a"]);
  });

  it("lose to the service's own values, lists included", () => {
    const s = only(
      service(
        "api",
        "deploy:",
        "  replicas: 5",
        "  update_config: {order: stop-first}",
        "  placement:",
        "    constraints: []",
      ),
      withDefaults,
    );
    expect(s.deploy.replicas).toBe(5);
    expect(s.deploy.updateConfig.order).toBe("stop-first");
    expect(s.deploy.placement.constraints).toEqual([]);
  });

  it("do not make a global service's inherited replicas an error", () => {
    expect(only(service("api", "deploy: {mode: global}"), withDefaults).deploy.mode).toBe("global");
  });
});

describe("the cluster", () => {
  it("normalises hosts, policy, settings and the edge with defaults", () => {
    const cluster = lines(
      "kind: Cluster",
      "name: prod",
      "hosts:",
      "  - name: h1",
      "    docker: tcp://10.0.0.11:2376",
      "    tls: h1",
      "    address: 10.0.0.11",
      "    labels: {zone: eu-1, rack: 7}",
      "    capacity: {cpus: 4, memory: 8G}",
      "    drain: true",
      "  - name: h2",
      "    docker: ssh://deploy@h2.example.com",
      "    address: h2.example.com",
      "settings:",
      "  rebalance: true",
      "  host_down_after: 5s",
    );
    const { cluster: c } = stateOf({ "cluster.yaml": cluster });
    expect(c).toEqual({
      name: "prod",
      hosts: [
        {
          name: "h1",
          docker: "tcp://10.0.0.11:2376",
          tls: "h1",
          address: "10.0.0.11",
          labels: { zone: "eu-1", rack: "7" },
          capacity: { nanoCpus: 4_000_000_000, memoryBytes: 8 * 1024 ** 3 },
          drain: true,
          source: { path: "cluster.yaml", line: 4, col: 5 },
        },
        {
          name: "h2",
          docker: "ssh://deploy@h2.example.com",
          address: "h2.example.com",
          labels: {},
          capacity: {},
          drain: false,
          source: { path: "cluster.yaml", line: 11, col: 5 },
        },
      ],
      edge: { image: "haproxy:2.8" },
      policy: {
        allowPrivileged: false,
        allowHostNetwork: false,
        allowBindMounts: [],
        readOnlyBinds: ["/etc/localtime", "/etc/timezone"],
      },
      settings: {
        rebalance: true,
        hostDownAfterMs: 5_000,
        hostStableAfterMs: 10_000,
        maxMovesPerMinute: 30,
        volumeHelperImage: "busybox:1.36",
        maxRemovalShare: 0.5,
        allowMassRemoval: false,
      },
      volumes: {},
      source: { path: "cluster.yaml", line: 1, col: 1 },
    });
  });
});

describe("the spec hash", () => {
  const hash = (...more: string[]): string => only(service("api", ...more)).specHash;

  it("ignores replicas, placement, update and rollback settings", () => {
    const base = hash();
    expect(hash("deploy:", "  replicas: 7")).toBe(base);
    expect(
      hash("deploy:", "  placement: {constraints: [node.labels.zone == a], max_replicas_per_node: 1}"),
    ).toBe(base);
    expect(
      hash("deploy:", "  update_config: {order: start-first}", "  rollback_config: {parallelism: 0}"),
    ).toBe(base);
    expect(hash("deploy:", "  resources: {reservations: {memory: 1M}}")).toBe(base);
  });

  it("ignores what only the edge uses: ingress published ports and the edge settings", () => {
    const base = hash("ports: [{target: 80, published: 8080}]");
    expect(hash("ports: [{target: 80, published: 9090, app_protocol: http, proxy_protocol: true}]")).toBe(
      base,
    );
    expect(hash("ports: [{target: 80, published: 8080, mode: host}]")).not.toBe(base);
    expect(hash("ports: [{target: 80, published: 9090, mode: host}]")).not.toBe(
      hash("ports: [{target: 80, published: 8080, mode: host}]"),
    );
  });

  it("changes with anything that shapes the container", () => {
    const base = hash();
    const variants = [
      hash("environment: {A: b}"),
      hash('command: ["true"]'),
      hash("labels: {a: b}"),
      hash('ports: ["80"]'),
      hash("read_only: true"),
      hash("deploy: {resources: {limits: {memory: 1G}}}"),
      hash('healthcheck: {test: [CMD, "true"]}'),
      only(service("api").replace("image: busybox", "image: busybox:1.36")).specHash,
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
  });

  it("does not depend on how the YAML is spelt", () => {
    expect(hash("environment: {A: x, B: y}")).toBe(hash('environment: ["B=y", "A=x"]'));
    expect(hash("stop_grace_period: 1m")).toBe(hash("stop_grace_period: 60s"));
  });
});

describe("checks within one service", () => {
  it("refuses replicas on a global service", () => {
    expectOnlyError(
      repo({ "services/a.yaml": service("api", "deploy:", "  mode: global", "  replicas: 2") }),
      "services/a.yaml:6:13",
      "global-replicas",
    );
  });

  it("refuses a variable set both in environment and env_secrets", () => {
    expectOnlyError(
      repo({ "services/a.yaml": service("api", "environment: {A: x}", "env_secrets: {A: a-secret}") }),
      "services/a.yaml:5:15",
      "env-conflict",
    );
  });

  it("refuses a key given twice in list form", () => {
    expectOnlyError(
      repo({ "services/a.yaml": service("api", 'environment: ["A=1", "A=2"]') }),
      "services/a.yaml:4:22",
      "duplicate-key",
    );
  });

  it("refuses two mounts on one path", () => {
    expectOnlyError(
      repo({ "services/a.yaml": service("api", 'volumes: ["a:/data", "b:/data"]') }),
      "services/a.yaml:4:22",
      "duplicate-mount",
    );
  });

  it("refuses reservations above limits", () => {
    const spec = service(
      "api",
      "deploy:",
      "  resources:",
      "    limits: {memory: 64M}",
      "    reservations: {memory: 128M}",
    );
    expectOnlyError(repo({ "services/a.yaml": spec }), "services/a.yaml:7:28", "reservation-above-limit");
  });

  it("refuses a command string with an unclosed quote", () => {
    expectOnlyError(
      repo({ "services/a.yaml": service("api", `command: "echo 'unterminated"`) }),
      "services/a.yaml:4:10",
      "bad-command",
    );
  });

  it("refuses relative bind mounts, which mean nothing on a remote host", () => {
    expectOnlyError(
      repo({ "services/a.yaml": service("api", 'volumes: ["./data:/data"]') }),
      "services/a.yaml:4:11",
      "relative-bind-mount",
    );
  });

  it("refuses short-form ports out of range", () => {
    expectOnlyError(
      repo({ "services/a.yaml": service("api", 'ports: ["99999:80"]') }),
      "services/a.yaml:4:9",
      "bad-port",
    );
  });
});

describe("the desired state", () => {
  it("lists services sorted by name, whatever the file order", () => {
    const state = stateOf(
      repo({
        "services/1.yaml": service("zeta"),
        "services/2.yaml": `${service("beta")}---\n${service("alpha")}`,
      }),
    );
    expect(state.services.map((s) => s.name)).toEqual(["alpha", "beta", "zeta"]);
  });
});
