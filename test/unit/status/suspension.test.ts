// The suspend switch in status: status/cluster.yaml carries `suspended:` only
// while suspended or unknown, it reads back to the JSON of `gitfleet status`,
// a status without it reads as not suspended, and the one-line text names who,
// when, why and where, or that the switch is unknown.

import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { SuspendState } from "../../../src/model/suspend.js";
import {
  readSuspension,
  suspensionDoc,
  suspensionText,
  suspensionView,
} from "../../../src/status/suspension.js";
import { toYaml } from "../../../src/status/yaml-files.js";

const AT = Date.parse("2026-12-07T10:00:00Z");
const suspended: SuspendState = {
  state: "suspended",
  holds: [
    {
      switch: "etcd",
      where: "gitfleet/prod/suspended",
      note: { reason: "incident 42", by: "ops@h1", at: AT },
    },
    { switch: "file", where: "/var/lib/gitfleet/suspended.json", note: {} },
  ],
  lifted: [],
};
const unknown: SuspendState = {
  state: "unknown",
  code: "etcd-unreachable",
  error: "etcd-unreachable: no etcd endpoint answered",
  holds: [],
};

describe("suspended: in status", () => {
  it("is written only while suspended or unknown, and reads back as written", () => {
    expect(suspensionDoc(undefined)).toBeUndefined();
    expect(suspensionDoc({ state: "not-suspended", lifted: [] })).toBeUndefined();
    const doc = suspensionDoc(suspended)!;
    const back = readSuspension((parse(toYaml({ suspended: doc })) as { suspended: unknown }).suspended);
    expect(back).toEqual(suspensionView(suspended));
    expect(back.holds[0]).toEqual({
      switch: "etcd",
      where: "gitfleet/prod/suspended",
      reason: "incident 42",
      by: "ops@h1",
      at: "2026-12-07T10:00:00Z",
    });
    expect(readSuspension(suspensionDoc(unknown))).toMatchObject({
      state: "unknown",
      error_code: "etcd-unreachable",
    });
  });

  it("reads a status without it as not suspended", () => {
    expect(readSuspension(undefined)).toEqual({ state: "not-suspended", holds: [] });
  });

  it("says who, when, why and where in one line, or that the switch is unknown", () => {
    expect(suspensionText(suspensionView(suspended))).toBe(
      "suspended by ops@h1 at 2026-12-07T10:00:00Z: incident 42 (etcd key gitfleet/prod/suspended, " +
        "file /var/lib/gitfleet/suspended.json); new commits wait until gitfleet resume",
    );
    expect(suspensionText(suspensionView(unknown))).toMatch(/^unknown: the suspend switch could not be read/);
    expect(suspensionText({ state: "not-suspended", holds: [] })).toBeUndefined();
  });
});
