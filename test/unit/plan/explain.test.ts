import { describe, expect, it } from "vitest";
import { explain, NO_CHANGES, plan } from "../../../src/plan/index.js";
import { schedule } from "../../../src/schedule/index.js";
import { desiredState, GiB, host, observedCluster, replica, service } from "../../support/fixtures.js";

describe("explain", () => {
  it("says so when there is nothing to do", () => {
    const api = service("api");
    const hosts = [host("h1")];
    const d = desiredState(hosts, [api]);
    const obs = observedCluster(hosts, [replica(api, "1", "h1")]);
    const placement = schedule(d, obs);
    expect(explain(plan(d, placement, obs), placement)).toBe(NO_CHANGES);
    expect(NO_CHANGES).toBe("No changes. The cluster matches the desired state.");
  });

  it("lists per service and host what is created, updated, moved, removed and what cannot be scheduled", () => {
    const hosts = [
      host("h1", { labels: { zone: "eu-1" }, images: ["registry.test/api:2"] }),
      host("h2", { labels: { zone: "eu-1" }, drain: true }),
      host("h3", { labels: { zone: "eu-2" }, state: "down" }),
    ];
    const api = service("api", {
      replicas: 3,
      specHash: "2222bbbbcccc",
      image: "registry.test/api:2",
      update: { order: "start-first", delayMs: 10_000, failureAction: "rollback" },
      dependsOn: ["db"],
    });
    const db = service("db", { specHash: "db22222222", memory: 64 * GiB });
    const web = service("web", { replicas: 1 });
    const d = desiredState(hosts, [api, db, web]);
    const obs = observedCluster(hosts, [
      replica(api, "1", "h1", { specHash: "1111aaaa0000" }),
      replica(api, "2", "h2"),
      replica(api, "3", "h3"),
      replica(web, "1", "h1"),
      replica(web, "2", "h1"),
      replica(db, "1", "h1", { specHash: "db1" }),
      replica("legacy", "1", "h1"),
    ]);
    const placement = schedule(d, obs);
    const text = explain(plan(d, placement, obs), placement);
    expect(text).toBe(
      [
        "4 services change: 1 update, 2 move, 3 remove. 1 replica cannot be scheduled.",
        "",
        "api  (1 update, 2 move; rolling: parallelism 1, start-first, delay 10s, monitor 5s, on failure rollback; after db)",
        "  h1",
        "    update  api/1  spec 1111aaaa → 2222bbbb",
        "    move    api/2  from h2: host h2 is draining",
        "    move    api/3  from h3: host h3 is down",
        "",
        "db  (1 remove)",
        "  h1",
        "    remove  db/1  h1 has insufficient memory; no other host can take it",
        "  cannot schedule db/1: 0/3 hosts available: 1 host down, 1 host draining, 1 insufficient memory",
        "",
        "legacy  (1 remove)",
        "  h1",
        "    remove  legacy/1  service no longer in the repository",
        "",
        "web  (1 remove)",
        "  h1",
        "    remove  web/2  scaled down to 1",
        "",
      ].join("\n"),
    );
  });

  it("is deterministic", () => {
    const hosts = [host("a"), host("b"), host("c")];
    const d = desiredState(hosts, [
      service("x", { replicas: 5 }),
      service("y", { replicas: 2, mode: "global" }),
    ]);
    const obs = observedCluster(hosts, []);
    const p1 = schedule(d, obs);
    const p2 = schedule(d, obs);
    expect(explain(plan(d, p1, obs), p1)).toBe(explain(plan(d, p2, obs), p2));
  });
});
