// What the suspend switches mean together: any hold suspends, a file older than
// the last resume mark no longer holds (by revision, else by time), and a switch
// that cannot be read makes the answer unknown, never "not suspended".

import { describe, expect, it } from "vitest";
import { liftedBy, suspendStateOf, type ResumeMark, type SuspendHold } from "../../../src/model/suspend.js";

const T = Date.parse("2026-12-07T10:00:00Z");
const file = (note: SuspendHold["note"]): SuspendHold => ({
  switch: "file",
  where: "/w/suspended.json",
  note,
});
const key: SuspendHold = {
  switch: "etcd",
  where: "gitfleet/prod/suspended",
  note: { reason: "incident 42" },
};
const mark = (revision: number, at: number): ResumeMark => ({
  key: "gitfleet/prod/resumed",
  revision,
  note: { by: "ops@h2", at },
});

describe("liftedBy", () => {
  it("compares etcd revisions when the file has one, else times; no mark lifts nothing", () => {
    expect(liftedBy({ revision: 10, at: T + 9e9 }, mark(11, T))).toBe(true);
    expect(liftedBy({ revision: 12, at: T - 9e9 }, mark(11, T))).toBe(false);
    expect(liftedBy({ at: T - 1 }, mark(11, T))).toBe(true);
    expect(liftedBy({ at: T + 1 }, mark(11, T))).toBe(false);
    expect(liftedBy({}, mark(11, T))).toBe(false);
    expect(liftedBy({ revision: 1 }, undefined)).toBe(false);
  });
});

describe("suspendStateOf", () => {
  it("is suspended by the fleet's key or the file, the key first", () => {
    const f = file({ reason: "old", at: T });
    expect(suspendStateOf(f, { ok: true, hold: key, resumed: undefined })).toEqual({
      state: "suspended",
      holds: [key, f],
      lifted: [],
    });
    expect(suspendStateOf(f, undefined)).toEqual({ state: "suspended", holds: [f], lifted: [] });
    expect(suspendStateOf(undefined, { ok: true, hold: undefined, resumed: undefined })).toEqual({
      state: "not-suspended",
      lifted: [],
    });
  });

  it("lists a file set before the last resume as lifted, not holding", () => {
    const f = file({ at: T, revision: 5 });
    expect(suspendStateOf(f, { ok: true, hold: undefined, resumed: mark(6, T - 1) })).toEqual({
      state: "not-suspended",
      lifted: [f],
    });
  });

  it("is unknown when the fleet's key cannot be read, even with the file set", () => {
    const f = file({ at: T });
    expect(suspendStateOf(f, { ok: false, code: "etcd-unreachable", message: "down" })).toEqual({
      state: "unknown",
      code: "etcd-unreachable",
      error: "etcd-unreachable: down",
      holds: [f],
    });
    expect(suspendStateOf(undefined, { ok: false, code: "etcd-bad-response", message: "x" }).state).toBe(
      "unknown",
    );
  });
});
