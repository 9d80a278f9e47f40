import { describe, expect, it } from "vitest";
import type { PassReport } from "../../../src/report/pass-report.js";
import { EMPTY_NOTICE_MEMORY, transitions, type NoticeMemory } from "../../../src/report/transitions.js";
import type { StatusInput } from "../../../src/status/index.js";
import { DESIRED, host, service, syncedInput } from "../status/fixtures.js";

const bounds = { gitStaleAfterMs: 300_000 };
const report = (status: StatusInput, at = 1_000_000): PassReport => ({
  at,
  stagesMs: {},
  status,
  rollouts: [],
});

function run(inputs: Array<[StatusInput, number?]>) {
  let memory: NoticeMemory = EMPTY_NOTICE_MEMORY;
  const told: string[] = [];
  for (const [input, at] of inputs) {
    const next = transitions(memory, report(input, at), bounds);
    memory = next.memory;
    told.push(...next.notices.map((n) => `${n.outcome}${n.host !== undefined ? ` ${n.host}` : ""}`));
  }
  return told;
}

describe("transitions", () => {
  it("a commit applied and healthy: pending then applied, once however many passes see it", () => {
    expect(run([[syncedInput()], [syncedInput()], [syncedInput()]])).toEqual(["pending", "applied"]);
  });

  it("a rolled-back service is never followed by applied for that commit", () => {
    const held = syncedInput({ services: [service("web", 2, { phase: "rolled-back" }), service("api", 1)] });
    expect(run([[held], [held], [syncedInput({ applied: DESIRED.commit })]])).toEqual([
      "pending",
      "rolled-back",
    ]);
  });

  it("a host down and up again is told at each change, not at every pass", () => {
    const down = syncedInput({ hosts: [host("h1"), host("h2", { state: "down" })] });
    expect(run([[syncedInput()], [down], [down], [syncedInput()], [down]])).toEqual([
      "pending",
      "applied",
      "host-down h2",
      "host-up h2",
      "host-down h2",
    ]);
  });

  it("Git unreachable is told once past the bound, and its end once", () => {
    const outage = (at: number): [StatusInput, number] => [
      syncedInput({ outage: { since: 1_000_000, error: "connection refused" } }),
      at,
    ];
    const told = run([
      outage(1_000_000),
      outage(1_200_000),
      outage(1_400_000),
      outage(1_500_000),
      [syncedInput(), 1_600_000],
    ]);
    expect(told.filter((t) => t.startsWith("git"))).toEqual(["git-unreachable", "git-reachable"]);
  });

  it("a rejected commit is told once, with its first error", () => {
    const rejected = syncedInput({
      rejected: {
        ...DESIRED,
        commit: "b".repeat(40),
        reason: "invalid",
        errors: [{ path: "services/web.yaml", line: 2, col: 3, code: "schema", message: "bad" }],
      },
    });
    let memory = EMPTY_NOTICE_MEMORY;
    const first = transitions(memory, report(rejected), bounds);
    memory = first.memory;
    expect(first.notices.find((n) => n.outcome === "rejected")?.message).toBe(
      "commit rejected (invalid): services/web.yaml:2:3: bad",
    );
    expect(transitions(memory, report(rejected), bounds).notices).toEqual([]);
  });
});
