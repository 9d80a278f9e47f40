// cluster.yaml's `volumes:` (Compose's top-level volumes) and a host's
// move_data: what binds a replica to its host and what lets data move.

import { describe, expect, it } from "vitest";
import { boundSources, recreatableSources } from "../../../src/model/volumes.js";
import { CLUSTER, expectOnlyError, lines, repo, service, stateOf } from "./helpers.js";

const DB = service(
  "db",
  "volumes: [dbdata:/data, cache:/cache, uploads:/uploads, {type: tmpfs, target: /x}]",
);
const BIND_POLICY = lines("policy: {allow_privileged: false}");

describe("volume declarations", () => {
  it("normalises driver, driver_opts and x-gitfleet-recreatable; undeclared or empty is host-local", () => {
    const cluster = lines(
      CLUSTER.trimEnd(),
      BIND_POLICY.trimEnd(),
      "volumes:", // 13
      "  dbdata:",
      "  cache: {x-gitfleet-recreatable: true}",
      "  uploads:",
      "    driver_opts: {type: nfs, o: 'addr=10.0.0.5,rw', device: ':/export/uploads'}",
    );
    const state = stateOf(repo({ "services/db.yaml": DB }, cluster));
    expect(state.cluster.volumes).toEqual({
      dbdata: {
        driver: "local",
        driverOpts: {},
        recreatable: false,
        source: { path: "cluster.yaml", line: 14, col: 10 },
      },
      cache: {
        driver: "local",
        driverOpts: {},
        recreatable: true,
        source: { path: "cluster.yaml", line: 15, col: 10 },
      },
      uploads: {
        driver: "local",
        driverOpts: { type: "nfs", o: "addr=10.0.0.5,rw", device: ":/export/uploads" },
        recreatable: false,
        source: { path: "cluster.yaml", line: 17, col: 5 },
      },
    });
    const db = state.services[0];
    if (db === undefined) throw new Error("no db");
    // Only the plain host-local volume binds; a tmpfs is no named volume.
    expect(boundSources(db, state.cluster)).toEqual(["dbdata"]);
    expect(recreatableSources(db, state.cluster)).toEqual(["cache"]);
    expect(
      boundSources(db, {
        volumes: { uploads: { ...state.cluster.volumes!["uploads"]!, driverOpts: {}, driver: "rexray" } },
      }),
    ).toEqual(["cache", "dbdata"]);
  });

  it("reads move_data on a host and the helper image in settings", () => {
    const cluster = CLUSTER.replace(
      "    labels: {zone: a}\n",
      "    labels: {zone: a}\n    drain: true\n    move_data: true\n",
    );
    const state = stateOf(repo({}, `${cluster}settings: {volume_helper_image: reg.local/busybox:1}\n`));
    expect(state.cluster.hosts.map((h) => [h.name, h.drain, h.moveData ?? false])).toEqual([
      ["h1", true, true],
      ["h2", false, false],
    ]);
    expect(state.cluster.settings.volumeHelperImage).toBe("reg.local/busybox:1");
  });

  it("refuses an unknown key in a volume declaration at its line", () => {
    const cluster = lines(CLUSTER.trimEnd(), "volumes:", "  dbdata: {external: true}");
    expectOnlyError(repo({}, cluster), "cluster.yaml:13:12", "unknown-key");
  });
});
