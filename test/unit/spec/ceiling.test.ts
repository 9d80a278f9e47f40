// The operator's ceiling: cluster.yaml may only narrow it, and whatever asks
// for more is rejected at the line that asks, naming the operator setting.

import { describe, expect, it } from "vitest";
import { capabilityName, globMatch } from "../../../src/model/ceiling.js";
import { ceilingWith, CLUSTER, errorsOf, expectOnlyError, lines, repo, service, stateOf } from "./helpers.js";

const where = (files: Parameters<typeof errorsOf>[0], ceiling?: Parameters<typeof errorsOf>[1]): string[] =>
  errorsOf(files, ceiling).map((e) => `${e.path}:${e.line}:${e.col} ${e.code}`);

describe("privileges under the default (baseline) ceiling", () => {
  it("rejects a commit that grants itself allow_privileged and runs a privileged service, at both lines", () => {
    const cluster = CLUSTER + lines("policy:", "  allow_privileged: true"); // line 13
    const files = repo({ "services/a.yaml": service("api", "privileged: true") }, cluster);
    const errors = errorsOf(files);
    expect(errors.map((e) => `${e.path}:${e.line}:${e.col} ${e.code}`)).toEqual([
      "cluster.yaml:13:21 ceiling-privileged",
      "services/a.yaml:4:13 ceiling-privileged",
    ]);
    for (const e of errors)
      expect(e.message).toContain("ceiling.allow_privileged in the operator configuration");
  });

  it("accepts the same commit when the operator configuration allows privileged containers", () => {
    const cluster = CLUSTER + lines("policy:", "  allow_privileged: true");
    const files = repo({ "services/a.yaml": service("api", "privileged: true") }, cluster);
    const state = stateOf(files, ceilingWith({ allowPrivileged: true }));
    expect(state.services[0]?.privileged).toBe(true);
  });

  it("refuses host networking and bind mounts a policy tries to widen", () => {
    const cluster =
      CLUSTER + lines("policy:", "  allow_host_network: true", "  allow_bind_mounts: [/srv, /]");
    const files = repo(
      { "services/a.yaml": service("api", "network_mode: host", 'volumes: ["/srv/x:/x"]') },
      cluster,
    );
    expect(where(files)).toEqual([
      "cluster.yaml:13:23 ceiling-host-network",
      "cluster.yaml:14:23 ceiling-bind-mount",
      "cluster.yaml:14:29 ceiling-bind-mount",
      "services/a.yaml:4:15 ceiling-host-network",
      "services/a.yaml:5:11 ceiling-bind-mount",
    ]);
  });

  it("lets a policy narrow the ceiling's bind mount prefixes, never widen them", () => {
    const ceiling = ceilingWith({ allowBindMounts: ["/srv"] });
    const narrowed = CLUSTER + lines("policy:", "  allow_bind_mounts: [/srv/data]");
    const svc = { "services/a.yaml": service("api", 'volumes: ["/srv/data/x:/x", "/srv/logs:/logs"]') };
    expect(where(repo(svc, narrowed), ceiling)).toEqual(["services/a.yaml:4:29 policy-bind-mount"]);
    // Silent cluster.yaml: the ceiling applies as it is.
    stateOf(repo(svc), ceiling);
    const widened = CLUSTER + lines("policy:", "  allow_bind_mounts: [/etc]");
    expect(where(repo({}, widened), ceiling)).toEqual(["cluster.yaml:13:23 ceiling-bind-mount"]);
  });
});

describe("the host's time zone files, read-only, under the default ceiling", () => {
  it("accepts /etc/localtime and /etc/timezone bound read-only, long form too", () => {
    const state = stateOf(
      repo({
        "services/a.yaml": service(
          "api",
          'volumes: ["/etc/localtime:/etc/localtime:ro", "/etc/timezone:/etc/timezone:ro"]',
        ),
        "services/b.yaml": service(
          "b",
          "volumes:",
          "  - {type: bind, source: /etc/localtime, target: /etc/localtime, read_only: true}",
        ),
      }),
    );
    expect(state.services.find((s) => s.name === "api")?.volumes.map((v) => v.source)).toEqual([
      "/etc/localtime",
      "/etc/timezone",
    ]);
    expect(state.cluster.policy.readOnlyBinds).toEqual(["/etc/localtime", "/etc/timezone"]);
  });

  it("refuses them read-write, saying :ro would do", () => {
    const files = repo({ "services/a.yaml": service("api", 'volumes: ["/etc/localtime:/etc/localtime"]') });
    const errors = errorsOf(files);
    expect(errors.map((e) => `${e.line}:${e.col} ${e.code}`)).toEqual(["4:11 ceiling-bind-mount"]);
    expect(errors[0]?.message).toContain("ceiling.allow_read_only_binds");
    expect(errors[0]?.message).toContain("add :ro");
  });

  it("still refuses other host paths, read-only or not, and files beside the allowed ones", () => {
    const files = repo({
      "services/a.yaml": service(
        "api",
        'volumes: ["/etc/passwd:/etc/passwd:ro", "/etc:/host-etc:ro", "/etc/localtime/../shadow:/s:ro"]',
      ),
    });
    expect(where(files)).toEqual([
      "services/a.yaml:4:11 ceiling-bind-mount",
      "services/a.yaml:4:41 ceiling-bind-mount",
      "services/a.yaml:4:62 ceiling-bind-mount",
    ]);
  });

  it("allows none when the operator sets allow_read_only_binds: [], and a policy may narrow them", () => {
    const svc = { "services/a.yaml": service("api", 'volumes: ["/etc/localtime:/etc/localtime:ro"]') };
    expect(where(repo(svc), ceilingWith({ readOnlyBinds: [] }))).toEqual([
      "services/a.yaml:4:11 ceiling-bind-mount",
    ]);
    const narrowed = CLUSTER + lines("policy:", "  allow_bind_mounts: []");
    expect(where(repo(svc, narrowed))).toEqual(["services/a.yaml:4:11 policy-bind-mount"]);
    const kept = CLUSTER + lines("policy:", "  allow_bind_mounts: [/etc/localtime]");
    expect(stateOf(repo(svc, kept)).cluster.policy.readOnlyBinds).toEqual(["/etc/localtime"]);
  });
});

describe("cap_add", () => {
  it("accepts Docker's default capabilities, in any spelling", () => {
    stateOf(
      repo({ "services/a.yaml": service("api", "cap_drop: [ALL]", "cap_add: [NET_BIND_SERVICE, CHOWN]") }),
    );
  });

  it("refuses SYS_ADMIN, NET_ADMIN, SYS_PTRACE and ALL, naming ceiling.cap_add", () => {
    const files = repo({
      "services/a.yaml": service("api", "cap_add: [SYS_ADMIN, NET_ADMIN, SYS_PTRACE, ALL, CAP_SYS_ADMIN]"),
    });
    const errors = errorsOf(files);
    expect(errors.map((e) => `${e.line}:${e.col} ${e.code}`)).toEqual([
      "4:11 ceiling-cap-add",
      "4:22 ceiling-cap-add",
      "4:33 ceiling-cap-add",
      "4:45 ceiling-cap-add",
      "4:50 ceiling-cap-add",
    ]);
    expect(errors[4]?.message).toMatch(
      /^cap_add SYS_ADMIN is forbidden by ceiling\.cap_add in the operator configuration/,
    );
  });

  it("allows what the operator lists, compared case-insensitively with or without CAP_", () => {
    const files = repo({ "services/a.yaml": service("api", "cap_add: [CAP_NET_ADMIN, NET_ADMIN]") });
    stateOf(files, ceilingWith({ capAdd: ["cap_net_admin"] }));
    stateOf(
      repo({ "services/a.yaml": service("api", "cap_add: [SYS_ADMIN]") }),
      ceilingWith({ capAdd: ["ALL"] }),
    );
    expect(capabilityName("cap_sys_admin")).toBe("SYS_ADMIN");
    stateOf(repo({ "services/a.yaml": service("api", "cap_add: [cap_net_bind_service, chown]") }));
    expectOnlyError(
      repo({ "services/a.yaml": service("api", "cap_add: [cap_sys_admin]") }),
      "services/a.yaml:4:11",
      "ceiling-cap-add",
    );
  });
});

describe("endpoints and the cluster name", () => {
  it("rejects a host whose endpoint the operator did not list, at its docker line", () => {
    const ceiling = ceilingWith({ endpoints: ["unix:///var/run/docker.sock", "tcp://10.0.0.*:2375"] });
    const e = expectOnlyError(repo({}), "cluster.yaml:9:13", "ceiling-endpoint", ceiling);
    expect(e.message).toContain('"tcp://10.0.0.2:2376"');
    expect(e.message).toContain("ceiling.endpoints in the operator configuration");
    stateOf(repo({}), ceilingWith({ endpoints: ["unix:///var/run/docker.sock", "tcp://10.0.0.*:2376"] }));
  });

  it("rejects a commit that renames a pinned cluster", () => {
    const e = expectOnlyError(
      repo({}),
      "cluster.yaml:2:7",
      "ceiling-cluster-name",
      ceilingWith({ cluster: "prod" }),
    );
    expect(e.message).toContain('ceiling.cluster in the operator configuration pins it to "prod"');
    stateOf(repo({}), ceilingWith({ cluster: "test" }));
  });

  it("matches globs with * and ? and nothing else", () => {
    expect(globMatch("tcp://10.0.0.*:2376", "tcp://10.0.0.12:2376")).toBe(true);
    expect(globMatch("tcp://10.0.0.*:2376", "tcp://10.0.0.12:2375")).toBe(false);
    expect(globMatch("h?", "h1")).toBe(true);
    expect(globMatch("h?", "h12")).toBe(false);
    expect(globMatch("a.b", "axb")).toBe(false);
    expect(globMatch("*", "")).toBe(true);
  });
});

describe("resource caps", () => {
  it("refuses more than 10,000 replicas of one service by default", () => {
    const e = expectOnlyError(
      repo({ "services/a.yaml": service("api", "deploy: {replicas: 10001}") }),
      "services/a.yaml:4:20",
      "ceiling-replicas",
    );
    expect(e.message).toContain("ceiling.max_replicas_per_service");
    stateOf(repo({ "services/a.yaml": service("api", "deploy: {replicas: 10000}") }));
  });

  it("caps the total, counting a global service once per host", () => {
    const files = repo({
      "services/a.yaml": service("api", "deploy: {replicas: 3}"),
      "services/b.yaml": service("bee", "deploy: {mode: global}"),
    });
    expect(where(files, ceilingWith({ maxReplicasTotal: 4 }))).toEqual([
      "services/a.yaml:4:20 ceiling-replicas-total",
    ]);
    stateOf(files, ceilingWith({ maxReplicasTotal: 5 }));
  });

  it("requires limits within the memory and CPU caps", () => {
    const ceiling = ceilingWith({ maxMemoryBytesPerReplica: 256 * 1024 ** 2, maxNanoCpusPerReplica: 1e9 });
    const big = service("api", "deploy:", "  resources:", '    limits: {cpus: "2", memory: 1G}');
    expect(where(repo({ "services/a.yaml": big }), ceiling)).toEqual([
      "services/a.yaml:6:20 ceiling-cpus",
      "services/a.yaml:6:33 ceiling-memory",
    ]);
    const unlimited = errorsOf(repo({ "services/a.yaml": service("api") }), ceiling);
    expect(unlimited.map((e) => e.code)).toEqual(["ceiling-cpus", "ceiling-memory"]);
    expect(unlimited[1]?.message).toContain("no memory limit");
    const fits = service("api", "deploy:", "  resources:", '    limits: {cpus: "1", memory: 256M}');
    stateOf(repo({ "services/a.yaml": fits }), ceiling);
  });
});

describe("env_secrets", () => {
  const tlsCluster = CLUSTER.replace(
    "    docker: tcp://10.0.0.2:2376\n",
    "    docker: tcp://10.0.0.2:2376\n    tls: h2\n",
  );

  it("refuses host TLS material and registry credentials, at the variable", () => {
    const svc = service(
      "api",
      "env_secrets:",
      "  KEY: h2/key.pem",
      "  REG: registry-auth/registry.example.com",
      "  CA: other/ca.pem",
    );
    const errors = errorsOf(repo({ "services/a.yaml": svc }, tlsCluster));
    expect(errors.map((e) => `${e.line}:${e.col} ${e.code}`)).toEqual([
      "5:8 secret-namespace",
      "6:8 secret-namespace",
      "7:7 secret-namespace",
    ]);
    expect(errors[0]?.message).toContain("host TLS material (hosts h2, tls: h2)");
    expect(errors[1]?.message).toContain("a registry credential");
  });

  it("grants application secrets per service pattern", () => {
    const ceiling = ceilingWith({
      secrets: [{ secrets: ["shop-*"], services: ["api*"] }, { secrets: ["common"] }],
    });
    const files = repo({
      "services/a.yaml": service("api-1", "env_secrets: {A: shop-db, B: common}"),
      "services/b.yaml": service("web", "env_secrets: {A: shop-db, B: common}"),
    });
    const errors = errorsOf(files, ceiling);
    expect(errors.map((e) => `${e.path}:${e.line}:${e.col} ${e.code}`)).toEqual([
      "services/b.yaml:4:18 ceiling-secret",
    ]);
    expect(errors[0]?.message).toContain('service web may not read secret "shop-db": ceiling.secrets');
  });
});
