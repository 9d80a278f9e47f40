// The warning channel: each warning at its exact place with its stable code,
// never stopping a commit, and reported in the same run as every error.

import { describe, expect, it } from "vitest";
import type { SpecError } from "../../../src/model/spec.js";
import { SPEC_WARNING_CODES } from "../../../src/spec/index.js";
import { lines, load, service, type Files } from "./helpers.js";

/** Unix sockets only: no plain-tcp-engine warning in the tests of other warnings. */
const CLUSTER = lines(
  "kind: Cluster",
  "name: test",
  "hosts:",
  "  - name: h1",
  "    docker: unix:///var/run/docker.sock",
  "    address: 10.0.0.1",
);

function repo(services: Files): Files {
  return { "cluster.yaml": CLUSTER, ...services };
}

function warningsOf(files: Files): string[] {
  return (load(files).warnings ?? []).map((w: SpecError) => `${w.path}:${w.line}:${w.col} ${w.code}`);
}

describe("warnings", () => {
  it("names YAML files outside cluster.yaml and services/, and says where they belong", () => {
    const files = repo({
      "services/api.yaml": service("api"),
      "service/web.yaml": service("web"),
      "web.yaml": service("web2"),
      ".github/workflows/ci.yaml": "on: push\n",
      "status/cluster.yaml": "sync: Synced\n",
      "README.md": "# not yaml\n",
    });
    const r = load(files);
    expect(r.ok).toBe(true);
    expect(warningsOf(files)).toEqual(["service/web.yaml:1:1 ignored-file", "web.yaml:1:1 ignored-file"]);
    expect(r.warnings?.[0]?.message).toContain("move it to services/web.yaml");
  });

  it("warns that a repository without services removes every running service", () => {
    const files = { "cluster.yaml": CLUSTER, "service/web.yaml": service("web") };
    expect(warningsOf(files)).toEqual(["cluster.yaml:1:1 no-services", "service/web.yaml:1:1 ignored-file"]);
  });

  it("flags a memory size without a unit (bytes) at the value", () => {
    const files = repo({
      "services/api.yaml": service(
        "api",
        "deploy:", // 4
        "  resources:", // 5
        "    limits: {memory: 256}", // 6
        "    reservations: {memory: 128M}", // 7
      ),
    });
    expect(warningsOf(files)).toEqual(["services/api.yaml:6:22 size-without-unit"]);
    expect(load(files).warnings?.[0]?.message).toMatch(/256 bytes.*"256M"/);
  });

  it("flags a plain TCP Docker engine without tls, and not one with tls", () => {
    const cluster = lines(
      "kind: Cluster",
      "name: test",
      "hosts:",
      "  - name: h1",
      "    docker: tcp://10.0.0.1:2375", // 5
      "    address: 10.0.0.1",
      "  - name: h2",
      "    docker: tcp://10.0.0.2:2376",
      "    tls: h2",
      "    address: 10.0.0.2",
    );
    expect(warningsOf({ "cluster.yaml": cluster, "services/a.yaml": service("a") })).toEqual([
      "cluster.yaml:5:13 plain-tcp-engine",
    ]);
  });

  it("flags settings that take no effect, at their keys", () => {
    const files = repo({
      "services/a.yaml": service(
        "a",
        "healthcheck:", // 4
        "  disable: true", // 5
        '  test: [CMD, "true"]', // 6
        "deploy:", // 7
        "  mode: global", // 8
        "  placement: {max_replicas_per_node: 1}", // 9
        "  update_config: {failure_action: pause}", // 10
        "  rollback_config: {parallelism: 2}", // 11
      ),
    });
    expect(warningsOf(files)).toEqual([
      "services/a.yaml:6:3 no-effect",
      "services/a.yaml:9:15 no-effect",
      "services/a.yaml:11:3 no-effect",
    ]);
  });

  it("are reported with the errors of a rejected commit, in one run", () => {
    const files = repo({
      "services/a.yaml": service(
        "a",
        "deploy:",
        "  resources: {limits: {memory: 100}}",
        "depends_on: [nope]",
      ),
      "services.yaml": service("b"),
    });
    const r = load(files);
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.errors.map((e) => e.code)).toEqual(["depends-on-unknown"]);
    expect(warningsOf(files)).toEqual([
      "services.yaml:1:1 ignored-file",
      "services/a.yaml:5:32 size-without-unit",
    ]);
  });

  it("has a stable list of codes", () => {
    expect([...SPEC_WARNING_CODES]).toEqual([
      "ignored-file",
      "no-services",
      "size-without-unit",
      "plain-tcp-engine",
      "no-effect",
      "ignored-key",
      "bare-environment",
      "bind-mount-mapped",
      "profile-inactive",
    ]);
  });
});
