// cluster.yaml's sync_windows: checked against the schema and the cron and
// duration rules, each problem at its line.

import { describe, expect, it } from "vitest";
import { CLUSTER, errorsOf, expectOnlyError, repo, service, stateOf } from "./helpers.js";

const withWindows = (...windows: string[]) =>
  repo({ "services/a.yaml": service("a") }, `${CLUSTER}sync_windows:\n${windows.join("\n")}\n`);

describe("sync_windows", () => {
  it("are part of the cluster spec: schedule, duration (up to a week), description", () => {
    const state = stateOf(
      withWindows(
        '  - {schedule: "0 17 * * fri", duration: 63h, description: weekend freeze}',
        '  - {schedule: "0 30 21 * * *", duration: 40s}',
      ),
    );
    expect(state.cluster.syncWindows).toEqual([
      { schedule: "0 17 * * fri", durationMs: 63 * 3600_000, description: "weekend freeze" },
      { schedule: "0 30 21 * * *", durationMs: 40_000 },
    ]);
    expect(stateOf(repo({ "services/a.yaml": service("a") })).cluster.syncWindows).toBeUndefined();
  });

  it("a schedule that is not cron is bad-cron at its line; a duration over a week bad-duration", () => {
    const e = expectOnlyError(
      withWindows('  - {schedule: "every night", duration: 1h}'),
      "cluster.yaml:13:16",
      "bad-cron",
    );
    expect(e.message).toContain("is not a cron schedule");
    const d = errorsOf(withWindows('  - {schedule: "0 0 * * *", duration: 200h}'));
    expect(d.map((x) => x.code)).toEqual(["bad-duration"]);
    expect(
      errorsOf(withWindows('  - {schedule: "0 0 * * *", duration: 1h, kind: allow}')).map((x) => x.code),
    ).toContain("schema");
  });

  it("take an IANA time_zone; one this Node does not know is bad-time-zone at its line:col", () => {
    const state = stateOf(
      withWindows('  - {schedule: "0 17 * * fri", time_zone: Europe/Berlin, duration: 63h}'),
    );
    expect(state.cluster.syncWindows).toEqual([
      { schedule: "0 17 * * fri", durationMs: 63 * 3600_000, timeZone: "Europe/Berlin" },
    ]);
    for (const zone of ["Europe/Berln", "+01:00", "CEST"]) {
      const line = `  - {schedule: "0 17 * * fri", time_zone: "${zone}", duration: 63h}`;
      const e = expectOnlyError(
        withWindows(line),
        `cluster.yaml:13:${line.indexOf(`"${zone}"`) + 1}`,
        "bad-time-zone",
      );
      expect(e.message).toContain(`time_zone "${zone}" is not an IANA time zone name`);
    }
  });
});
