// A volume made by a create that no listing has shown yet still binds its
// slot: db's first container (and so its volume) is created on a host that
// stops answering before gitfleet looks at it again. The slot waits for that
// host rather than starting elsewhere on an empty volume, and comes back there
// once it answers. Without the volume, the same loss moves db (the control):
// on fake hosts, fake Git and fake time.

import { describe, expect, it } from "vitest";
import type { ServiceSpec } from "../../../src/model/spec.js";
import { desiredState, host, service } from "../../support/fixtures.js";
import { FakeFleet } from "../../support/fakes/fake-fleet.js";
import { FakeSink, FakeSource } from "../../support/fakes/fake-ports.js";
import { fakeOperator } from "../../support/fakes/fake-operator.js";
import { FakeTime } from "../../support/fakes/fake-time.js";
import { pollUntil } from "../../support/poll.js";

const HOSTS = ["h1", "h2", "h3"];

function setup(db: ServiceSpec) {
  const time = new FakeTime();
  const fleet = new FakeFleet(time, HOSTS);
  for (const h of HOSTS) fleet.host(h).withVolumes();
  const source = new FakeSource(time);
  source.set(
    desiredState(
      HOSTS.map((h) => host(h)),
      [db],
    ),
  );
  const sink = new FakeSink(time);
  const op = fakeOperator({ time, fleet, source, sink }, { heartbeat: true });
  // The first host db is created on stops answering right after the create: nothing has listed it since.
  let lost: string | undefined;
  for (const h of HOSTS) {
    fleet.host(h).afterCreate = (c) => {
      if (c.service !== "db" || lost !== undefined) return;
      lost = h;
      fleet.host(h).down = true;
    };
  }
  const until = async (what: string, cond: () => boolean, limitMs = 120_000): Promise<void> => {
    const seen = () => fleet.containers("db").map((c) => `${fleet.hostOf(c.id)}:${c.state}`);
    await time.run(pollUntil(what, cond, { timeoutMs: limitMs, intervalMs: 50, time, seen }));
  };
  return { time, fleet, sink, op, until, lost: () => lost ?? "" };
}

describe("a volume created on a host lost before it was listed again", () => {
  it("keeps the slot waiting for that host, never on another host's empty volume, then brings it back there", async () => {
    const w = setup(service("db", { volumes: ["dbdata"] }));
    await w.op.start();
    await w.until("db created somewhere", () => w.lost() !== "");
    const lost = w.lost();
    await w.until("status says db waits for its volume", () =>
      w.sink.last("status/services/db.yaml").includes(`waiting for ${lost}: holds volume dbdata`),
    );
    // Long past the host's down timeout and many passes: db was never created anywhere else.
    await w.time.run(w.time.sleep(60_000), 120_000);
    const elsewhere = w.fleet.containers("db").filter((c) => w.fleet.hostOf(c.id) !== lost);
    expect(elsewhere).toEqual([]);
    for (const h of HOSTS.filter((x) => x !== lost)) expect(w.fleet.host(h).namedVolumes.size).toBe(0);
    expect(w.sink.last("status/services/db.yaml")).toContain(`waiting for ${lost}: holds volume dbdata`);

    w.fleet.host(lost).down = false;
    await w.until("db running on its volume's host", () =>
      w.fleet.containers("db").some((c) => c.state === "running" && w.fleet.hostOf(c.id) === lost),
    );
    expect(w.fleet.containers("db").map((c) => w.fleet.hostOf(c.id))).toEqual([lost]);
    await w.time.run(w.op.stop());
  });

  it("moves a replica without a volume off the lost host (the same loss, the control)", async () => {
    const w = setup(service("db"));
    await w.op.start();
    await w.until("db created somewhere", () => w.lost() !== "");
    const lost = w.lost();
    await w.until("db running elsewhere", () =>
      w.fleet.containers("db").some((c) => c.state === "running" && w.fleet.hostOf(c.id) !== lost),
    );
    await w.time.run(w.op.stop());
  });
});
