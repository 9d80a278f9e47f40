// Schema failures read as sentences: what is wrong, where, and what is allowed.

import { describe, expect, it } from "vitest";
import { formatSpecError } from "../../../src/spec/index.js";
import { CLUSTER, errorsOf, expectOnlyError, lines, repo, service, stateOf } from "./helpers.js";

const deploy = (...body: string[]): string => service("api", "deploy:", ...body);

describe("names", () => {
  it("explains a service name that is not a DNS label", () => {
    const files = repo({
      "services/api.yaml": lines(
        "# yaml-language-server: $schema=../schemas/service.schema.json",
        "kind: Service",
        "name: Api",
        "image: busybox",
      ),
    });
    const [e] = errorsOf(files);
    expect(e && formatSpecError(e)).toBe(
      'services/api.yaml:3:7: service name "Api" is not a valid DNS label: use lowercase letters, digits and "-", starting with a letter, at most 63 characters',
    );
    expect(e?.code).toBe("invalid-name");
  });

  it("says host name for a host", () => {
    const e = expectOnlyError(
      repo({}, CLUSTER.replace("name: h2", "name: H_2")),
      "cluster.yaml:8:11",
      "invalid-name",
    );
    expect(e.message).toMatch(/^host name "H_2" is not a valid DNS label/);
  });

  it("refuses a name longer than 63 characters", () => {
    expectOnlyError(
      repo({ "services/a.yaml": service(`a${"b".repeat(63)}`) }),
      "services/a.yaml:2:7",
      "invalid-name",
    );
  });
});

describe("unknown keys", () => {
  it("suggests the key that was meant", () => {
    const e = expectOnlyError(
      repo({ "services/a.yaml": deploy("  replica: 3") }),
      "services/a.yaml:5:3",
      "unknown-key",
    );
    expect(e.message).toBe('unknown key "replica" in deploy: did you mean "replicas"?');
  });

  it("points a deploy key written at the top of a service to deploy", () => {
    const e = expectOnlyError(
      repo({ "services/a.yaml": service("api", "replicas: 3") }),
      "services/a.yaml:4:1",
      "unknown-key",
    );
    expect(e.message).toBe('unknown key "replicas" in service: did you mean "deploy.replicas"?');
  });

  it("treats - and _ alike when suggesting", () => {
    const e = expectOnlyError(
      repo({ "services/a.yaml": service("api", "depends-on: [x]") }),
      "services/a.yaml:4:1",
      "unknown-key",
    );
    expect(e.message).toContain('did you mean "depends_on"?');
  });

  it("lists the allowed keys when nothing is close", () => {
    const e = expectOnlyError(
      repo({ "services/a.yaml": deploy("  zzz: 1") }),
      "services/a.yaml:5:3",
      "unknown-key",
    );
    expect(e.message).toContain("allowed keys: mode, replicas, resources, placement, update_config");
  });

  it("catches typos in cluster.yaml too", () => {
    const cluster = CLUSTER + lines("settings:", "  host_down_afer: 5s");
    const e = expectOnlyError(repo({}, cluster), "cluster.yaml:13:3", "unknown-key");
    expect(e.message).toContain('did you mean "host_down_after"?');
  });

  it("allows x- extension keys and YAML merge keys, as Compose does", () => {
    const spec = lines(
      "x-common: &common",
      "  image: busybox",
      "  stop_grace_period: 3s",
      "kind: Service",
      "name: api",
      "<<: *common",
    );
    const [s] = stateOf(repo({ "services/a.yaml": spec })).services;
    expect(s?.image).toBe("busybox");
    expect(s?.stopGracePeriodMs).toBe(3000);
  });
});

describe("values", () => {
  it("lists the allowed values of an enum", () => {
    const e = expectOnlyError(
      repo({ "services/a.yaml": deploy("  update_config:", "    order: first") }),
      "services/a.yaml:6:12",
      "schema",
    );
    expect(e.message).toBe('deploy.update_config.order must be one of start-first, stop-first, got "first"');
  });

  it("suggests the enum value that was meant", () => {
    const e = expectOnlyError(
      repo({ "services/a.yaml": deploy("  update_config:", "    failure_action: rollbak") }),
      "services/a.yaml:6:21",
      "schema",
    );
    expect(e.message).toContain('(did you mean "rollback"?)');
  });

  it("names the expected type", () => {
    const e = expectOnlyError(
      repo({ "services/a.yaml": deploy("  replicas: three") }),
      "services/a.yaml:5:13",
      "schema",
    );
    expect(e.message).toBe('deploy.replicas must be a whole number, got "three"');
  });

  it("names a missing required key, at the mapping that lacks it", () => {
    const e = expectOnlyError(
      repo({ "services/a.yaml": lines("kind: Service", "name: api") }),
      "services/a.yaml:1:1",
      "schema",
    );
    expect(e.message).toBe('service is missing the required key "image"');
    const cluster = CLUSTER.replace("    address: 10.0.0.2\n", "");
    const h = expectOnlyError(repo({}, cluster), "cluster.yaml:8:5", "schema");
    expect(h.message).toBe('hosts[1] is missing the required key "address"');
  });

  it("explains durations", () => {
    const e = expectOnlyError(
      repo({ "services/a.yaml": service("api", "stop_grace_period: 10 seconds") }),
      "services/a.yaml:4:20",
      "bad-duration",
    );
    expect(e.message).toContain(
      'stop_grace_period "10 seconds" is not a duration: write a number with a unit',
    );
    const n = expectOnlyError(
      repo({ "services/a.yaml": service("api", "stop_grace_period: 10") }),
      "services/a.yaml:4:20",
      "bad-duration",
    );
    expect(n.message).toMatch(/^stop_grace_period must be a duration .*got 10$/);
  });

  it("explains durations finer than the model keeps", () => {
    expectOnlyError(
      repo({ "services/a.yaml": service("api", "stop_grace_period: 100us") }),
      "services/a.yaml:4:20",
      "bad-duration",
    );
  });

  it("explains sizes and CPU counts", () => {
    const errors = errorsOf(
      repo({ "services/a.yaml": deploy("  resources:", '    limits: {cpus: "lots", memory: 12Q}') }),
    );
    expect(errors.map((e) => `${e.line}:${e.col} ${e.code}`)).toEqual(["6:20 bad-cpus", "6:36 bad-size"]);
  });

  it("refuses a CPU count finer than a nano-CPU", () => {
    expectOnlyError(
      repo({ "services/a.yaml": deploy("  resources:", '    limits: {cpus: "0.0000000001"}') }),
      "services/a.yaml:6:20",
      "bad-cpus",
    );
  });

  it("explains placement constraint syntax", () => {
    const e = expectOnlyError(
      repo({ "services/a.yaml": deploy("  placement:", '    constraints: ["zone = a"]') }),
      "services/a.yaml:6:19",
      "bad-constraint",
    );
    expect(e.message).toContain('write "node.hostname == h1"');
  });

  it("gives one error for a bad host address, not one per accepted format", () => {
    const e = expectOnlyError(
      repo({}, CLUSTER.replace("address: 10.0.0.2", "address: not an address!")),
      "cluster.yaml:10:14",
      "schema",
    );
    expect(e.message).toBe(
      'hosts[1].address "not an address!" is not an IP address or host name: e.g. 10.0.0.11 or h1.example.com',
    );
  });

  it("explains Docker endpoints", () => {
    const e = expectOnlyError(
      repo({}, CLUSTER.replace("tcp://10.0.0.2:2376", "http://10.0.0.2")),
      "cluster.yaml:9:13",
      "schema",
    );
    expect(e.message).toContain("write unix:///path, tcp://host:port or ssh://user@host");
  });

  it("takes secret names with folders but never ones that climb out", () => {
    const [s] = stateOf(
      repo({ "services/a.yaml": service("api", "env_secrets: {DB: shop/db-password}") }),
    ).services;
    expect(s?.envSecrets).toEqual({ DB: "shop/db-password" });
    const e = expectOnlyError(
      repo({ "services/a.yaml": service("api", "env_secrets: {DB: ../etc/shadow}") }),
      "services/a.yaml:4:19",
      "schema",
    );
    expect(e.message).toContain("is not a secret name");
  });

  it("explains ports and volumes in short form", () => {
    const errors = errorsOf(
      repo({ "services/a.yaml": service("api", 'ports: ["http"]', 'volumes: ["data"]') }),
    );
    expect(errors.map((e) => `${e.line}:${e.col} ${e.code}`)).toEqual(["4:9 bad-port", "5:11 bad-volume"]);
  });

  it("reports every problem of a document at once, in order", () => {
    const spec = lines(
      "kind: Service",
      "name: API",
      "image: Busy Box",
      "deploy:",
      "  replicas: -1",
      "  mode: globl",
    );
    const errors = errorsOf(repo({ "services/a.yaml": spec }));
    expect(errors.map((e) => `${e.line}:${e.col} ${e.code}`)).toEqual([
      "2:7 invalid-name",
      "3:8 schema",
      "5:13 schema",
      "6:9 schema",
    ]);
  });
});
