// Field-level differences as a reviewer reads them, in YAML names and units;
// secrets by name only.

import { describe, expect, it } from "vitest";
import { diffService, formatFieldChange } from "../../../src/plan/diff.js";
import { MiB, service } from "../../support/fixtures.js";

describe("diffService", () => {
  it("shows changed, added and removed fields in YAML names and units", () => {
    const before = { ...service("web", { image: "web:1", replicas: 2 }), environment: { A: "1", GONE: "x" } };
    const base = service("web", { image: "web:2", replicas: 3, constraints: ["node.labels.zone == eu-1"] });
    const after = {
      ...base,
      environment: { A: "1", LOG_LEVEL: "debug" },
      envSecrets: { DB_PASSWORD: "shop-db-password" },
      stopGracePeriodMs: 30_000,
      deploy: { ...base.deploy, limits: { nanoCpus: 500_000_000, memoryBytes: 256 * MiB } },
    };
    expect(diffService(before, after).map(formatFieldChange)).toEqual([
      '~ image: "web:1" -> "web:2"',
      '- environment.GONE: "x"',
      "~ stop_grace_period: 10s -> 30s",
      "~ deploy.replicas: 2 -> 3",
      '~ deploy.limits.cpus: unlimited -> "0.5"',
      "~ deploy.limits.memory: unlimited -> 256M",
      '~ deploy.placement.constraints: [] -> ["node.labels.zone == eu-1"]',
      '+ environment.LOG_LEVEL: "debug"',
      '+ env_secrets.DB_PASSWORD: "shop-db-password"',
    ]);
  });

  it("finds nothing between equal specs", () => {
    expect(diffService(service("a"), service("a"))).toEqual([]);
  });
});
