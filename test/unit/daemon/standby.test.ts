// Standby operators (issue 20) on fake hosts and a fake lease store: a standby
// observes the hosts read-only (no call that changes a host leaves it, whatever
// its pass would plan), a takeover starts from that view, and the role shows in
// the metrics (gitfleet_is_leader at each scrape, gitfleet_leader_changes_total
// per term won).

import { describe, expect, it } from "vitest";
import { GitfleetMetrics } from "../../../src/adapters/http/metrics-registry.js";
import { metricsFollow } from "../../../src/daemon/bootstrap-outward.js";
import { Operator } from "../../../src/daemon/operator.js";
import type { Leadership, LeaseStore, LeaseTerm, LeaseTiming } from "../../../src/model/leadership.js";
import { Fleet } from "../../../src/observe/fleet.js";
import { HostHealth } from "../../../src/observe/host-health.js";
import { Reconciler } from "../../../src/reconcile/reconciler.js";
import { desiredState, host, service } from "../../support/fixtures.js";
import { silent } from "../../support/fakes/execute-harness.js";
import { FakeFleet } from "../../support/fakes/fake-fleet.js";
import { FakeSink, FakeSource } from "../../support/fakes/fake-ports.js";
import { FakeTime } from "../../support/fakes/fake-time.js";

const HOSTS = ["h1", "h2", "h3"];
const TIMING: LeaseTiming = { ttlMs: 5_000, renewEveryMs: 1_000, renewDeadlineMs: 3_500 };
/** What a standby may call on a host: reads only (the leader gate's list). */
const READS = new Set([
  "ping",
  "facts",
  "observe",
  "status",
  "watch",
  "close",
  "volumes.list",
  "volumes.sizes",
]);

/** The driver, with every method called on it (and on its volumes) written to `calls` as "host method". */
function recording<T extends object>(target: T, host: string, calls: string[], prefix = ""): T {
  return new Proxy(target, {
    get(t, prop) {
      const value: unknown = Reflect.get(t, prop, t);
      if (prop === "volumes" && typeof value === "object" && value !== null)
        return recording(value, host, calls, "volumes.");
      if (typeof value !== "function" || typeof prop !== "string") return value;
      const fn = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => {
        calls.push(`${host} ${prefix}${prop}`);
        return fn.apply(t, args);
      };
    },
  });
}

const web = service("web", {
  replicas: 3,
  image: "web:1",
  specHash: "web1".padEnd(16, "0"),
  healthcheck: true,
  update: { monitorMs: 2000, order: "start-first", failureAction: "rollback" },
});

/** A lease store another instance holds until `release()`. */
class HeldElsewhere implements LeaseStore {
  holder: string | undefined = "other";
  epoch = 7;
  release(): void {
    this.holder = undefined;
  }
  campaign(holder: string): Promise<LeaseTerm | undefined> {
    if (this.holder !== undefined) return Promise.resolve(undefined);
    this.holder = holder;
    this.epoch += 1;
    return Promise.resolve({ holder, epoch: this.epoch, leaseId: String(this.epoch) });
  }
  renew(term: LeaseTerm): Promise<boolean> {
    return Promise.resolve(this.holder === term.holder && this.epoch === term.epoch);
  }
  resign(term: LeaseTerm): Promise<void> {
    if (this.holder === term.holder && this.epoch === term.epoch) this.holder = undefined;
    return Promise.resolve();
  }
  leader(): Promise<{ holder: string; epoch: number } | undefined> {
    return Promise.resolve(
      this.holder === undefined ? undefined : { holder: this.holder, epoch: this.epoch },
    );
  }
}

function world() {
  const time = new FakeTime();
  const fleet = new FakeFleet(time, HOSTS);
  for (const h of fleet.hosts.values()) h.withVolumes();
  const calls: string[] = [];
  const drivers = async (h: { name: string }) => recording(fleet.host(h.name), h.name, calls);
  // A fresh fleet with nothing running: a leader's pass would pull, create and start.
  const source = new FakeSource(time);
  source.set(
    desiredState(
      HOSTS.map((h) => host(h)),
      [web],
    ),
  );
  const sink = new FakeSink(time);
  return { time, fleet, source, sink, calls, drivers };
}

async function scraped(m: GitfleetMetrics, name: string): Promise<number> {
  const metric = m.registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  return (await metric.get()).values[0]?.value ?? NaN;
}

describe("a standby operator", () => {
  it("observes the hosts read-only while another instance leads, then takes over from that view", async () => {
    const { time, fleet, source, sink, calls, drivers } = world();
    const store = new HeldElsewhere();
    const op = new Operator({
      source,
      sink,
      drivers,
      time,
      logger: silent,
      pollMs: 100,
      heartbeat: true,
      leaderElection: { store, holder: "me", timing: TIMING },
    });
    const metrics = new GitfleetMetrics();
    metricsFollow(op, metrics, time);
    const passes: { standby: boolean }[] = [];
    op.onPass((out) => passes.push({ standby: out.standby === true }));
    await op.start();
    op.markDue("test: a pass while standing by", 2_000);
    await time.run(time.sleep(10_000));

    expect(passes.length).toBeGreaterThanOrEqual(2);
    expect(passes.every((p) => p.standby)).toBe(true);
    // It looks: every host observed by its passes and pinged by its heartbeat...
    for (const h of HOSTS)
      for (const read of ["observe", "facts", "volumes.list", "ping"])
        expect(calls).toContain(`${h} ${read}`);
    // ...and touches nothing, though the fleet runs none of the 3 replicas Git asks for.
    expect(calls.filter((c) => !READS.has(c.split(" ")[1] ?? ""))).toEqual([]);
    expect(fleet.ops.filter((o) => o.op !== "list-volumes")).toEqual([]);
    expect(fleet.containers()).toEqual([]);
    expect(sink.writes).toEqual([]);
    expect(await scraped(metrics, "gitfleet_is_leader")).toBe(0);
    expect(await scraped(metrics, "gitfleet_leader_changes_total")).toBe(0);

    // The leader goes: this one wins the next term and acts at once.
    store.release();
    await time.run(
      (async () => {
        while (fleet.serving("web") < 3 || op.last?.converged !== true) await time.sleep(50);
      })(),
      120_000,
    );
    expect(fleet.containers("web")).toHaveLength(3);
    expect(fleet.containers("web").every((c) => c.commit !== "")).toBe(true);
    expect(await scraped(metrics, "gitfleet_is_leader")).toBe(1);
    expect(await scraped(metrics, "gitfleet_leader_changes_total")).toBe(1);
    expect(sink.last("status/cluster.yaml")).toContain("epoch: 8");
    await time.run(op.stop());
    // A clean stop gives the term back (a standby need not wait for the TTL) and is no leader any more.
    expect(store.holder).toBeUndefined();
    expect(await scraped(metrics, "gitfleet_is_leader")).toBe(0);
  });

  it("a standby pass itself plans no change: no mutating call reaches an ungated driver", async () => {
    const { time, fleet, source, sink, calls, drivers } = world();
    const standby: Leadership = { mayAct: () => false, term: undefined, abdicate: () => undefined };
    const health = new HostHealth({ downAfterMs: 15_000, stableAfterMs: 30_000 }, time.now());
    // No leader gate here: the drivers are the raw fake hosts.
    const hosts = new Fleet(drivers, () => undefined, silent);
    const reconciler = new Reconciler({
      source,
      sink,
      fleet: hosts,
      health,
      time,
      logger: silent,
      leadership: standby,
    });
    const out = await time.run(reconciler.pass(new AbortController().signal));
    expect(out.standby).toBe(true);
    expect(out.plan).toBeUndefined();
    expect(new Set(calls)).toEqual(
      new Set(HOSTS.flatMap((h) => [`${h} watch`, `${h} facts`, `${h} observe`, `${h} volumes.list`])),
    );
    expect(fleet.containers()).toEqual([]);
    expect(sink.writes).toEqual([]);
    // What it saw is kept: the hosts are up, from this pass's answers.
    for (const h of HOSTS) expect(health.view(h, time.now()).state).toBe("up");
    hosts.close();
  });
});
