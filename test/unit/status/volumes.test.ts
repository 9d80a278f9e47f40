// Volumes in status: which named volumes no replica uses (after a move, a
// scale-down, a data move), listed with host and size; notes of replicas held
// with their data; a slot waiting for its host makes the service degraded.

import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { render } from "../../../src/status/index.js";
import { unusedVolumes } from "../../../src/status/unused-volumes.js";
import { schedule } from "../../../src/schedule/index.js";
import {
  desiredState,
  host as testHost,
  observedCluster,
  observedVolume,
  replica as testReplica,
  service as testService,
} from "../../support/fixtures.js";
import { service, syncedInput } from "./fixtures.js";

describe("unused volumes", () => {
  const db = testService("db", { volumes: ["dbdata"], replicas: 1 });
  const hosts = [testHost("h1"), testHost("h2")];
  const desired = desiredState(hosts, [db]);

  it("lists what no placed, bound or running replica mounts; superseded and unfinished copies always", () => {
    const volumes = [
      observedVolume("h1", "dbdata", { service: "db", slot: "1" }), // used: db/1 runs there
      observedVolume("h2", "dbdata", { service: "db", slot: "2" }), // scaled down
      observedVolume("h2", "old", { service: "gone", slot: "1" }), // its service was removed
    ];
    const observed = { ...observedCluster(hosts, [testReplica(db, "1", "h1")]), volumes };
    const placement = schedule(desired, observed);
    expect(unusedVolumes(desired, placement, volumes, observed.replicas)).toEqual([
      { host: "h2", volume: "gf-test-dbdata", owner: "db/2", why: "no replica uses it" },
      { host: "h2", volume: "gf-test-old", owner: "gone/1", why: "no replica uses it" },
    ]);
    const moved = [
      observedVolume("h1", "dbdata", { service: "db", slot: "1", supersededBy: "h2" }),
      observedVolume("h2", "dbdata", { service: "db", slot: "1", copyOf: "h1" }),
    ];
    const after = { ...observedCluster(hosts, [testReplica(db, "1", "h2")]), volumes: moved };
    expect(unusedVolumes(desired, schedule(desired, after), moved, after.replicas)).toEqual([
      { host: "h1", volume: "gf-test-dbdata", owner: "db/1", why: "data moved to h2" },
    ]);
    const partial = [observedVolume("h1", "dbdata", { service: "db", slot: "1" }), moved[1]!];
    const during = { ...observedCluster(hosts, [testReplica(db, "1", "h1")]), volumes: partial };
    expect(unusedVolumes(desired, schedule(desired, during), partial, during.replicas)).toEqual([
      { host: "h2", volume: "gf-test-dbdata", owner: "db/1", why: "unfinished copy from h1" },
    ]);
  });

  it("keeps the volume of a slot waiting for its down host out of the list (it is bound, not unused)", () => {
    const down = [testHost("h1", { state: "down" }), testHost("h2")];
    const volumes = [observedVolume("h1", "dbdata", { service: "db", slot: "1" })];
    const observed = { ...observedCluster(down, [testReplica(db, "1", "h1")]), volumes };
    const placement = schedule(desiredState(down, [db]), observed);
    expect(placement.services.get("db")?.unschedulable?.message).toBe("waiting for h1: holds volume dbdata");
    expect(unusedVolumes(desired, placement, volumes, [])).toEqual([]);
  });
});

describe("status files", () => {
  it("render unused volumes with size, notes, and a waiting slot as degraded", () => {
    const base = syncedInput();
    const services = base.services.map((s) =>
      s.spec.name === "web"
        ? service("web", s.desired, {
            unschedulable: ["waiting for h1: holds volume dbdata"],
            notes: ["web/1 stays on draining h1: it holds volume dbdata"],
          })
        : s,
    );
    const files = render({
      ...base,
      services,
      replicas: base.replicas.filter((r) => !(r.service === "web" && r.slot === "1")),
      unusedVolumes: [
        { host: "h2", volume: "gf-prod-cache", owner: "web/3", sizeBytes: 4096, why: "no replica uses it" },
      ],
    });
    const cluster = parse(files.get("status/cluster.yaml") ?? "") as Record<string, unknown>;
    expect(cluster["sync"]).toBe("Degraded");
    expect(cluster["unused_volumes"]).toEqual([
      { host: "h2", volume: "gf-prod-cache", owner: "web/3", size_bytes: 4096, why: "no replica uses it" },
    ]);
    const web = parse(files.get("status/services/web.yaml") ?? "") as Record<string, unknown>;
    expect(web["state"]).toBe("degraded");
    expect(web["notes"]).toEqual(["web/1 stays on draining h1: it holds volume dbdata"]);
    const md = files.get("STATUS.md") ?? "";
    expect(md).toContain("| h2 | `gf-prod-cache` | web/3 | 4 KiB | no replica uses it |");
    expect(md).toContain("- **web**: waiting for h1: holds volume dbdata");
  });
});
