// The change gate: new commits wait while suspended or in a deny window of
// the applied commit; the applied one keeps flowing; the waiting one goes
// through once the gate opens; after a restart the recorded commit is held.

import { describe, expect, it } from "vitest";
import { ChangeGate, type Desired, type SuspendNote } from "../../../src/desired/change-gate.js";
import type { SuspendState } from "../../../src/model/suspend.js";
import type { DesiredSource, SourceSnapshot } from "../../../src/ports/index.js";
import type { DesiredState } from "../../../src/model/spec.js";
import type { SyncWindow } from "../../../src/model/sync-window.js";

function desired(commit: string, windows: SyncWindow[] = []): Desired {
  const state = { cluster: { syncWindows: windows }, services: [] } as unknown as DesiredState;
  return { commit, author: "a", message: `commit ${commit}`, timestamp: 0, state, files: new Map() };
}

const notSuspended: SuspendState = { state: "not-suspended", lifted: [] };
const stateOf = (note: SuspendNote | undefined): SuspendState =>
  note === undefined
    ? notSuspended
    : { state: "suspended", holds: [{ switch: "file", where: "/w/suspended.json", note }], lifted: [] };

function world(start: number) {
  let now = start;
  let tip: Desired = desired("c1");
  let note: SuspendNote | undefined;
  const inner: DesiredSource = {
    poll: async () => ({ desired: tip, rewritten: false, changed: true }) as SourceSnapshot,
    current: () => ({ desired: tip, rewritten: false, changed: false }),
  };
  return {
    inner,
    set tip(d: Desired) {
      tip = d;
    },
    set note(n: SuspendNote | undefined) {
      note = n;
    },
    advance: (ms: number) => (now += ms),
    options: { clock: { now: () => now }, suspended: async () => stateOf(note) },
  };
}

const T0 = Date.parse("2026-12-06T21:59:00Z");
const nightly = { schedule: "0 22 * * *", durationMs: 3600_000, description: "nightly batch" };

describe("ChangeGate", () => {
  it("holds a new commit while suspended, names it and why, and lets it through on resume", async () => {
    const w = world(T0);
    const gate = new ChangeGate(w.inner, w.options);
    expect((await gate.poll()).desired?.commit).toBe("c1");
    w.note = { by: "ops@h1", reason: "incident 42" };
    w.tip = desired("c2");
    const held = await gate.poll();
    expect(held.desired?.commit).toBe("c1");
    expect(held.waiting?.commit.commit).toBe("c2");
    expect(held.waiting?.reason).toContain("suspended by ops@h1: incident 42");
    expect(gate.current().waiting?.commit.commit).toBe("c2");
    const since = held.waiting!.since;
    w.advance(5000);
    expect((await gate.poll()).waiting?.since).toBe(since);
    w.note = undefined;
    const through = await gate.poll();
    expect(through).toMatchObject({ desired: { commit: "c2" }, changed: true });
    expect(through.waiting).toBeUndefined();
  });

  it("holds during a deny window of the applied commit and applies when it closes", async () => {
    const w = world(T0);
    w.tip = desired("c1", [nightly]);
    const gate = new ChangeGate(w.inner, w.options);
    await gate.poll();
    w.tip = desired("c2"); // a commit that drops the window cannot lift the freeze it arrives in
    w.advance(2 * 60_000); // 22:01
    const held = await gate.poll();
    expect(held.desired?.commit).toBe("c1");
    expect(held.waiting?.reason).toBe(
      'deny window "0 22 * * *" (nightly batch) open until 2026-12-06T23:00:00Z',
    );
    w.advance(3600_000); // 23:01
    expect((await gate.poll()).desired?.commit).toBe("c2");
  });

  it("names a window's time zone in the reason; its times are the zone's wall clock", async () => {
    const w = world(T0); // 21:59Z is 22:59 in Berlin (CET)
    w.tip = desired("c1", [{ ...nightly, schedule: "0 23 * * *", timeZone: "Europe/Berlin" }]);
    const gate = new ChangeGate(w.inner, w.options);
    await gate.poll();
    w.tip = desired("c2");
    w.advance(2 * 60_000); // 23:01 in Berlin
    expect((await gate.poll()).waiting?.reason).toBe(
      'deny window "0 23 * * *" in Europe/Berlin (nightly batch) open until 2026-12-06T23:00:00Z',
    );
  });

  it("after a restart under a closed gate keeps the commit status recorded, not the newest", async () => {
    const w = world(T0);
    w.note = { reason: "freeze" };
    w.tip = desired("c3");
    const gate = new ChangeGate(w.inner, { ...w.options, resume: async () => desired("c1") });
    const first = await gate.poll();
    expect(first.desired?.commit).toBe("c1");
    expect(first.waiting?.commit.commit).toBe("c3");
    const open = new ChangeGate(w.inner, {
      ...w.options,
      suspended: async () => notSuspended,
      resume: async () => desired("c1"),
    });
    expect((await open.poll()).desired?.commit).toBe("c3");
  });

  it("holds a new commit when the switch cannot be read, the applied one flowing, and says why", async () => {
    const w = world(T0);
    let readable = false;
    const gate = new ChangeGate(w.inner, {
      ...w.options,
      suspended: async () => {
        if (!readable)
          throw Object.assign(new Error("no etcd endpoint answered"), { code: "etcd-unreachable" });
        return notSuspended;
      },
    });
    // The first commit is no change to hold: it goes through, the switch said unknown.
    const first = await gate.poll();
    expect(first.desired?.commit).toBe("c1");
    expect(first.suspension).toMatchObject({ state: "unknown", code: "etcd-unreachable" });
    w.tip = desired("c2");
    const held = await gate.poll();
    expect(held.desired?.commit).toBe("c1");
    expect(held.waiting?.reason).toBe(
      "the suspend switch could not be read (etcd-unreachable: no etcd endpoint answered): new commits wait until it can be",
    );
    readable = true;
    expect((await gate.poll()).desired?.commit).toBe("c2");
  });

  it("says it is suspended on every poll, also with no commit waiting", async () => {
    const w = world(T0);
    const gate = new ChangeGate(w.inner, w.options);
    expect((await gate.poll()).suspension).toEqual(notSuspended);
    w.note = { by: "ops@h1", reason: "incident 42" };
    const snap = await gate.poll();
    expect(snap.waiting).toBeUndefined();
    expect(snap.suspension).toMatchObject({
      state: "suspended",
      holds: [{ note: { reason: "incident 42" } }],
    });
    expect(gate.current().suspension?.state).toBe("suspended");
  });
});
