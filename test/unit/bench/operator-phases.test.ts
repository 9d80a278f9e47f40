// The commit-to-running bench reads where the operator's time went from its
// own log: the pass that applied the commit, stage by stage.

import { describe, expect, it } from "vitest";
import { phasesAfter } from "../../../bench/operator-phases.js";

const PUSH = 1_000_000;

function line(time: number, msg: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ level: 30, time, msg, ...extra });
}

describe("phasesAfter", () => {
  it("splits the applying pass into poll alignment, its stages, create + start and what follows", () => {
    const log = [
      line(PUSH - 500, "pass: converged", { ms: 20, rollouts: 0, stagesMs: { load: 10 } }),
      line(PUSH + 460, "git: new desired state"),
      line(PUSH + 520, "creating container"),
      line(PUSH + 800, "web/1: start the new replica"),
      line(PUSH + 2_100, "pass done", {
        ms: 1_700,
        rollouts: 1,
        stagesMs: { load: 70, observe: 20, decide: 5, execute: 1_500, edge: 60, report: 45, pass: 1_700 },
      }),
    ].join("\n");
    const p = phasesAfter(log, PUSH);
    expect(p?.seen).toBe(460);
    expect(p?.stages).toEqual({
      align: 400, // the pass began at 2,100 - 1,700 ms after the push
      load: 70,
      observe: 20,
      decide: 5,
      toCreate: 520 - 495,
      createStart: 280,
      afterStart: 495 + 1_500 - 800,
      edge: 60,
      report: 45,
    });
  });

  it("leaves the stages out when the applying pass's line is missing", () => {
    const log = [
      line(PUSH + 100, "git: new desired state"),
      line(PUSH + 150, "creating container"),
      line(PUSH + 300, "web/1: start the new replica"),
    ].join("\n");
    const p = phasesAfter(log, PUSH);
    expect(p?.started).toBe(300);
    expect(p?.stages).toBeUndefined();
  });
});
