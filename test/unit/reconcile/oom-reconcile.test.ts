// OOM kills inside the reconcile loop, on fake hosts and fake time: the killed
// replica is replaced on another host while its host is avoided (10 minutes),
// in place when no other host may take it, and the restart is counted; a
// replica killed again soon after its restart backs off (crash loop).

import { describe, expect, it } from "vitest";
import { OOM_AVOID_MS } from "../../../src/reconcile/memory/oom-avoidance.js";
import type { ServiceSpec } from "../../../src/model/spec.js";
import { desiredState, host, service } from "../../support/fixtures.js";
import type { FakeContainer } from "../../support/fakes/fake-host.js";
import { fakeOperator, fakeWorld } from "../../support/fakes/fake-operator.js";

const HOSTS = ["h1", "h2", "h3"];

function world(hog: ServiceSpec, labels: Readonly<Record<string, Record<string, string>>> = {}) {
  const w = fakeWorld(
    HOSTS,
    desiredState(
      HOSTS.map((h) => host(h, { labels: labels[h] ?? {} })),
      [hog],
    ),
  );
  const { time, fleet, sink } = w;
  const op = fakeOperator(w);
  /** The hog containers, with their hosts. */
  const hogs = (): Array<{ host: string; c: FakeContainer }> =>
    HOSTS.flatMap((h) =>
      fleet
        .host(h)
        .byService("hog")
        .map((c) => ({ host: h, c })),
    );
  const only = (): { host: string; c: FakeContainer } => {
    const list = hogs();
    expect(list).toHaveLength(1);
    const [one] = list;
    if (one === undefined) throw new Error("no hog container");
    return one;
  };
  const pass = async (): Promise<boolean> => (await time.run(op.runOnce())).converged;
  return { time, fleet, sink, pass, hogs, only };
}

const hogSpec = (o: { constraints?: string[] } = {}) =>
  service("hog", { image: "hog:1", specHash: "hog1".padEnd(16, "0"), restart: { delayMs: 0 }, ...o });

describe("reconciler: OOM-killed replicas", () => {
  it("moves to a host not recently OOM-killed on, counting each restart; the avoidance ends after the cool-down", async () => {
    const w = world(hogSpec());
    expect(await w.pass()).toBe(true);
    const first = w.only();

    w.fleet.host(first.host).oomKill(first.c.id);
    await w.pass();
    const second = w.only();
    expect(second.host).not.toBe(first.host);
    expect(second.c.state).toBe("running");
    expect(second.c.restarts).toBe(1);
    expect(w.sink.last("status/services/hog.yaml")).toContain(`OOM-killed on ${first.host} at`);

    // Killed again a minute later: both earlier hosts are avoided now.
    await w.time.run(w.time.sleep(60_000));
    w.fleet.host(second.host).oomKill(second.c.id);
    await w.pass();
    // Killed again a minute after its restart: a crash loop, so the replacement waits out a
    // backoff (5 to 10 s for the second failure in a row), named OOM in status.
    expect(w.only().c.state).toBe("exited");
    expect(w.sink.last("status/services/hog.yaml")).toMatch(/reason: oom-killed\n\s+slot: "?1"?\n/);
    expect(w.sink.last("status/cluster.yaml")).toMatch(/hog:\n\s+state: oom-killed/);
    await w.time.run(w.time.sleep(20_000));
    await w.pass();
    const third = w.only();
    expect([first.host, second.host]).not.toContain(third.host);
    expect(third.c.restarts).toBe(2);

    // Once every host was avoided, the first one is out of its cool-down again: it may take it.
    await w.time.run(w.time.sleep(OOM_AVOID_MS));
    w.fleet.host(third.host).oomKill(third.c.id);
    await w.pass();
    const fourth = w.only();
    expect(fourth.host).not.toBe(third.host);
    expect(fourth.c.restarts).toBe(3);
    expect(await w.pass()).toBe(true);
  });

  it("is replaced on its host when no other host may take it: never left without a replica", async () => {
    const w = world(hogSpec({ constraints: ["node.labels.mem == big"] }), { h2: { mem: "big" } });
    expect(await w.pass()).toBe(true);
    const first = w.only();
    expect(first.host).toBe("h2");
    w.fleet.host("h2").oomKill(first.c.id);
    await w.pass();
    const next = w.only();
    expect(next.host).toBe("h2");
    expect(next.c.id).not.toBe(first.c.id);
    expect(next.c.state).toBe("running");
    expect(next.c.restarts).toBe(1);
    expect(w.sink.last("status/cluster.yaml")).not.toContain("unschedulable");
  });

  it("a plain crash (no OOM) is replaced on its own host", async () => {
    const w = world(hogSpec());
    expect(await w.pass()).toBe(true);
    const first = w.only();
    w.fleet.host(first.host).kill(first.c.id);
    await w.pass();
    const next = w.only();
    expect(next.host).toBe(first.host);
    expect(next.c.id).not.toBe(first.c.id);
    expect(next.c.restarts).toBe(1);
  });
});
