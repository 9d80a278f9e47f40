import { describe, expect, it } from "vitest";
import { TaskAdmission, type Release } from "../../../src/execute/admission.js";
import { executePlan } from "../../../src/execute/index.js";
import { desiredState, host, service } from "../../support/fixtures.js";
import { FakeFleet } from "../../support/fakes/fake-fleet.js";
import { FakeTime } from "../../support/fakes/fake-time.js";
import { harness, sampleEvery } from "../../support/fakes/execute-harness.js";

/** Lets every settled promise's callbacks run. */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Asks for one slot per [host, name] in that order; records the order of grants. */
function ask(a: TaskAdmission, tasks: readonly (readonly [string, string])[]) {
  const granted: string[] = [];
  const releases = new Map<string, Release>();
  for (const [host, name] of tasks) {
    void a.admit(host).then((release) => {
      granted.push(name);
      releases.set(name, release);
    });
  }
  return { granted, release: (name: string) => releases.get(name)?.() };
}

describe("task admission", () => {
  it("lets at most perHost tasks of a host run, the rest in the order they asked", async () => {
    const a = new TaskAdmission({ perHost: 2, total: 100 });
    const t = ask(a, [
      ["h1", "a"],
      ["h1", "b"],
      ["h1", "c"],
      ["h1", "d"],
      ["h2", "x"],
    ]);
    await settle();
    expect(t.granted).toEqual(["a", "b", "x"]);
    expect(a.running).toBe(3);
    expect(a.queued).toBe(2);
    t.release("b");
    await settle();
    expect(t.granted).toEqual(["a", "b", "x", "c"]);
    t.release("b"); // a second release of the same slot changes nothing
    await settle();
    expect(t.granted).toEqual(["a", "b", "x", "c"]);
    t.release("a");
    await settle();
    expect(t.granted).toEqual(["a", "b", "x", "c", "d"]);
    expect(a.queued).toBe(0);
  });

  it("never lets more than total tasks run, however many hosts ask", async () => {
    const a = new TaskAdmission({ perHost: 3, total: 5 });
    const tasks: [string, string][] = [];
    for (let h = 0; h < 20; h++) for (let i = 0; i < 5; i++) tasks.push([`h${h}`, `h${h}/${i}`]);
    const t = ask(a, tasks);
    let most = 0;
    const done = new Set<string>();
    // Finish tasks one at a time, the oldest running first, until all 100 went through.
    while (done.size < tasks.length) {
      await settle();
      most = Math.max(most, a.running);
      expect(a.running).toBeLessThanOrEqual(5);
      const next = t.granted.find((n) => !done.has(n));
      if (next === undefined) throw new Error(`stalled with ${a.queued} waiting`);
      done.add(next);
      t.release(next);
    }
    expect(most).toBe(5);
    expect(t.granted).toHaveLength(100);
    expect(a.running).toBe(0);
    // Per host, first come first served.
    for (let h = 0; h < 20; h++) {
      const mine = t.granted.filter((n) => n.startsWith(`h${h}/`));
      expect(mine).toEqual([0, 1, 2, 3, 4].map((i) => `h${h}/${i}`));
    }
  });

  it("shares the fleet's slots round robin: a host with many tasks does not hold back the others", async () => {
    const a = new TaskAdmission({ perHost: 10, total: 2 });
    const t = ask(a, [
      ["busy", "b1"],
      ["busy", "b2"],
      ["busy", "b3"],
      ["busy", "b4"],
      ["q1", "x"],
      ["q2", "y"],
    ]);
    await settle();
    expect(t.granted).toEqual(["b1", "b2"]);
    // Freed slots go to the hosts in turn, not to the busy host's next task first.
    t.release("b1");
    await settle();
    t.release("b2");
    await settle();
    expect(t.granted).toEqual(["b1", "b2", "b3", "x"]);
    t.release("b3");
    await settle();
    t.release("x");
    await settle();
    expect(t.granted).toEqual(["b1", "b2", "b3", "x", "y", "b4"]);
  });

  it("a new task does not pass tasks already waiting for the fleet's slots", async () => {
    const a = new TaskAdmission({ perHost: 4, total: 1 });
    const t = ask(a, [
      ["h1", "a"],
      ["h2", "b"],
    ]);
    await settle();
    t.release("a");
    const late = ask(a, [["h3", "c"]]);
    await settle();
    expect(t.granted).toEqual(["a", "b"]);
    expect(late.granted).toEqual([]);
    t.release("b");
    await settle();
    expect(late.granted).toEqual(["c"]);
  });

  it("on abort lets every waiting task go at once without a slot, and holds none after", async () => {
    const ac = new AbortController();
    const a = new TaskAdmission({ perHost: 1, total: 1 }, ac.signal);
    const t = ask(a, [
      ["h1", "a"],
      ["h1", "b"],
      ["h2", "c"],
    ]);
    await settle();
    expect(t.granted).toEqual(["a"]);
    ac.abort();
    await settle();
    expect(t.granted).toEqual(["a", "b", "c"]);
    expect(a.running).toBe(1); // only "a" holds a slot; b and c were let go without one
    expect(a.queued).toBe(0);
    const after = ask(a, [["h1", "d"]]);
    await settle();
    expect(after.granted).toEqual(["d"]);
    t.release("a");
    t.release("b"); // a slotless release does nothing
    expect(a.running).toBe(0);
  });

  it("run starts its work only once admitted, and gives the slot back however the work ends", async () => {
    const a = new TaskAdmission({ perHost: 1, total: 10 });
    const started: string[] = [];
    let finish: () => void = () => undefined;
    const first = a.run("h1", () => {
      started.push("first");
      return new Promise<void>((r) => (finish = r));
    });
    const failing = a.run("h1", () => {
      started.push("failing");
      return Promise.reject(new Error("no"));
    });
    const throwing = a.run("h1", () => {
      started.push("throwing");
      throw new Error("at once");
    });
    const last = a.run("h1", () => {
      started.push("last");
      return Promise.resolve(7);
    });
    await settle();
    // The others are not started yet: nothing of them exists but their place in the queue.
    expect(started).toEqual(["first"]);
    expect(a.queued).toBe(3);
    finish();
    await first;
    await expect(failing).rejects.toThrow("no");
    await expect(throwing).rejects.toThrow("at once");
    expect(await last).toBe(7);
    expect(started).toEqual(["first", "failing", "throwing", "last"]);
    expect(a.running).toBe(0);
    expect(a.queued).toBe(0);
  });

  it("rejects limits that are not positive integers", () => {
    expect(() => new TaskAdmission({ perHost: 0 })).toThrow(RangeError);
    expect(() => new TaskAdmission({ total: 1.5 })).toThrow(RangeError);
  });
});

describe("executor with task admission", () => {
  it("runs a parallelism-0 deploy within the host's slots, every task through, each slot's steps in order", async () => {
    const fleet = new FakeFleet(new FakeTime(), ["h1", "h2"]);
    const h = harness(fleet);
    // Two services of 6 replicas each on two hosts: 6 tasks per host asked for at once.
    const svc = (name: string) =>
      service(name, {
        image: `${name}:1`,
        specHash: name.padEnd(16, "0"),
        replicas: 6,
        update: { parallelism: 0, monitorMs: 500 },
      });
    const desired = desiredState([host("h1"), host("h2")], [svc("a"), svc("b")]);
    const p = await h.plan(desired);
    const admission = new TaskAdmission({ perHost: 2, total: 3 }, h.abort.signal);
    let most = 0;
    let waited = 0;
    const stop = sampleEvery(fleet, 10, () => {
      most = Math.max(most, admission.running);
      waited = Math.max(waited, admission.queued);
    });
    const result = await fleet.time.run(executePlan({ ...h.ctx(desired), admission }, p));
    stop();
    expect(result.rollouts.map((r) => [r.rollout.service, r.status])).toEqual([
      ["a", "completed"],
      ["b", "completed"],
    ]);
    expect(result.rollouts.flatMap((r) => r.tasks).every((t) => t.status === "ok")).toBe(true);
    expect(fleet.serving("a") + fleet.serving("b")).toBe(12);
    expect(most).toBe(3);
    expect(waited).toBeGreaterThan(0);
    expect(admission.running).toBe(0);
    // Per slot, its steps in order: created, started, healthy.
    for (const name of ["a", "b"]) {
      const bySlot = new Map<string, string[]>();
      for (const e of h.events.of(name)) {
        if (e.slot === undefined) continue;
        bySlot.set(e.slot, [...(bySlot.get(e.slot) ?? []), e.kind]);
      }
      expect(bySlot.size).toBe(6);
      for (const kinds of bySlot.values())
        expect(kinds.slice(0, 3)).toEqual(["created", "started", "healthy"]);
    }
  });

  it("pulls each image within its host's slots too, before any of the rollouts' tasks", async () => {
    const fleet = new FakeFleet(new FakeTime(), ["h1"]);
    const h = harness(fleet);
    // Six services of their own image on one host: six pulls asked for at once.
    const names = ["a", "b", "c", "d", "e", "f"];
    const desired = desiredState(
      [host("h1")],
      names.map((name) =>
        service(name, {
          image: `${name}:1`,
          specHash: name.padEnd(16, "0"),
          replicas: 1,
          update: { parallelism: 0, monitorMs: 0 },
        }),
      ),
    );
    const p = await h.plan(desired);
    expect(p.rollouts.flatMap((r) => r.prepare)).toHaveLength(6);
    const admission = new TaskAdmission({ perHost: 2, total: 10 }, h.abort.signal);
    const result = await fleet.time.run(executePlan({ ...h.ctx(desired), admission }, p));
    expect(result.rollouts.map((r) => r.status)).toEqual(names.map(() => "completed"));
    const pulls = fleet.ops.filter((o) => o.op === "pull");
    expect(pulls).toHaveLength(6);
    // Two at a time (each takes 100 ms of fake time): they end in three pairs, not all six together.
    const ends = new Map<number, number>();
    for (const o of pulls) ends.set(o.time, (ends.get(o.time) ?? 0) + 1);
    expect([...ends.values()]).toEqual([2, 2, 2]);
    expect(admission.running).toBe(0);
    // Each service's pull before its own create.
    for (const name of names) {
      const ops = fleet.ops.filter((o) => o.ref.startsWith(`${name}:`) || o.ref.includes(`-${name}-`));
      expect(ops[0]?.op).toBe("pull");
    }
  });

  it("makes its admission with the configured limits (the operator configuration's tasks:)", async () => {
    const fleet = new FakeFleet(new FakeTime(), ["h1", "h2"]);
    const h = harness(fleet);
    const desired = desiredState(
      [host("h1"), host("h2")],
      [
        service("a", {
          image: "a:1",
          specHash: "a".padEnd(16, "0"),
          replicas: 4,
          update: { parallelism: 0, monitorMs: 0 },
        }),
      ],
    );
    const p = await h.plan(desired);
    const result = await fleet.time.run(
      executePlan({ ...h.ctx(desired), admissionLimits: { perHost: 1, total: 1 } }, p),
    );
    expect(result.rollouts[0]?.status).toBe("completed");
    // One task at a time in the whole fleet: no two creates end together.
    const creates = fleet.ops.filter((o) => o.op === "create").map((o) => o.time);
    expect(creates).toHaveLength(4);
    expect(new Set(creates).size).toBe(4);
    const pulls = fleet.ops.filter((o) => o.op === "pull").map((o) => o.time);
    expect(new Set(pulls).size).toBe(pulls.length);
  });

  it("cancels the tasks still waiting for a slot when the pass is aborted, starting none of them", async () => {
    const fleet = new FakeFleet(new FakeTime(), ["h1"], 1000);
    const h = harness(fleet);
    const desired = desiredState(
      [host("h1")],
      [
        service("a", {
          image: "a:1",
          specHash: "a".padEnd(16, "0"),
          replicas: 5,
          update: { parallelism: 0 },
        }),
      ],
    );
    const p = await h.plan(desired);
    const admission = new TaskAdmission({ perHost: 1, total: 10 }, h.abort.signal);
    // While the first task's create is in flight (its image's pull took the first second).
    const pulled = fleet.ops.length;
    fleet.time.after(1500, () => h.abort.abort());
    const result = await fleet.time.run(executePlan({ ...h.ctx(desired), admission }, p));
    const tasks = result.rollouts[0]?.tasks ?? [];
    expect(result.rollouts[0]?.status).toBe("cancelled");
    expect(tasks).toHaveLength(5);
    expect(tasks.filter((t) => t.stepsRun > 0)).toHaveLength(1);
    expect(tasks.filter((t) => t.stepsRun === 0).map((t) => t.status)).toEqual([
      "cancelled",
      "cancelled",
      "cancelled",
      "cancelled",
    ]);
    expect(fleet.ops.slice(pulled).filter((o) => o.op === "create")).toHaveLength(1);
  });

  it("does not take a slot again after a task's last step, its health gate: the task just ends", async () => {
    const { fleet, h, desired } = threeHealthChecked(1_000);
    const p = await h.plan(desired);
    const hosts: string[] = [];
    const admission = new (class extends TaskAdmission {
      override admit(host: string) {
        hosts.push(host);
        return super.admit(host);
      }
    })({ perHost: 1, total: 10 }, h.abort.signal);
    const result = await fleet.time.run(executePlan({ ...h.ctx(desired), admission }, p));
    expect(result.rollouts[0]?.status).toBe("completed");
    expect(fleet.serving("a")).toBe(3);
    // One slot for the image's pull and one for each task (create, start, gate): none after a gate.
    expect(p.rollouts[0]?.prepare).toHaveLength(1);
    expect(hosts).toHaveLength(4);
    expect(admission.running).toBe(0);
    expect(admission.queued).toBe(0);
  });

  it("gives a task's slot back while its health gate waits, so a host's health-checked replicas wait together", async () => {
    const { fleet, h, desired } = threeHealthChecked(3_000);
    const p = await h.plan(desired);
    const admission = new TaskAdmission({ perHost: 1, total: 10 }, h.abort.signal);
    const started = fleet.time.now();
    const result = await fleet.time.run(executePlan({ ...h.ctx(desired), admission }, p));
    expect(result.rollouts[0]?.status).toBe("completed");
    expect(fleet.serving("a")).toBe(3);
    // One slot, three replicas healthy 3 s after their start: waiting together (one after another
    // would take over 9 s).
    expect(fleet.time.now() - started).toBeLessThan(6_000);
    expect(admission.running).toBe(0);
  });
});

/** One host, service "a" with three health-checked replicas healthy `healthyAfterMs` after their start. */
function threeHealthChecked(healthyAfterMs: number) {
  const fleet = new FakeFleet(new FakeTime(), ["h1"]);
  fleet.behaviours.set("a:1", { healthyAfterMs });
  const h = harness(fleet);
  const desired = desiredState(
    [host("h1")],
    [
      service("a", {
        image: "a:1",
        specHash: "a".padEnd(16, "0"),
        healthcheck: true,
        replicas: 3,
        update: { parallelism: 0, monitorMs: 0 },
      }),
    ],
  );
  return { fleet, h, desired };
}
