import { describe, expect, it } from "vitest";
import { parseHolds } from "../../../src/status/parse-holds.js";

const HASH = "a".repeat(64);

function serviceYaml(name: string, state: string, extra = ""): string {
  return [
    "# Written by gitfleet. Do not edit: the next status commit replaces this file.",
    `name: ${name}`,
    `state: ${state}`,
    "mode: replicated",
    `spec_hash: ${HASH}`,
    "desired: 3",
    extra,
  ].join("\n");
}

describe("parseHolds: held rollouts from the committed status", () => {
  it("reads rolled-back and paused services with their spec hash and newest reason", () => {
    const events = [
      "events:",
      "  - time: 2026-11-25T10:00:02.000Z",
      "    kind: rolled-back",
      "    service: api",
      "    message: rolled back to the previous spec (2nd failure)",
      "  - time: 2026-11-25T10:00:01.000Z",
      "    kind: rolled-back",
      "    service: api",
      "    message: older rollback",
    ].join("\n");
    const files = new Map([
      ["status/services/web.yaml", serviceYaml("web", "paused")],
      ["status/services/api.yaml", serviceYaml("api", "rolled-back", events)],
      ["status/cluster.yaml", "sync: Degraded\nservices:\n  api:\n    state: rolled-back\n"],
    ]);

    expect(parseHolds(files)).toEqual([
      {
        service: "api",
        specHash: HASH,
        phase: "rolled-back",
        reason: "rolled back to the previous spec (2nd failure)",
      },
      { service: "web", specHash: HASH, phase: "paused" },
    ]);
  });

  it("ignores services in other states", () => {
    const files = new Map(
      ["converged", "progressing", "degraded", "removing"].map((s) => [
        `status/services/${s}.yaml`,
        serviceYaml(s, s),
      ]),
    );
    expect(parseHolds(files)).toEqual([]);
  });

  it("skips junk: bad YAML, wrong shapes, missing or empty hashes, foreign names and paths", () => {
    const files = new Map<string, string>([
      ["status/services/a.yaml", "state: [rolled-back\n"],
      ["status/services/b.yaml", "- rolled-back\n"],
      ["status/services/c.yaml", "state: rolled-back\n"],
      ["status/services/d.yaml", 'state: rolled-back\nspec_hash: ""\n'],
      ["status/services/e.yaml", "state: rolled-back\nspec_hash: 42\n"],
      ["status/services/f.yaml", serviceYaml("other", "rolled-back")],
      ["status/services/g.yaml", ""],
      ["status/services/h.yaml", serviceYaml("h", "paused", "events: not-a-list")],
      ["status/services/nested/i.yaml", serviceYaml("i", "paused")],
      ["status/services/j.yml", serviceYaml("j", "paused")],
      ["services/k.yaml", serviceYaml("k", "paused")],
      ["status/services/l.yaml", "\uFFFD\uFFFDstate: rolled-back"],
    ]);
    // Only h survives: its events are junk, the hold itself is whole.
    expect(parseHolds(files)).toEqual([{ service: "h", specHash: HASH, phase: "paused" }]);
  });

  it("an older file without a name field still counts", () => {
    const files = new Map([["status/services/web.yaml", `state: paused\nspec_hash: ${HASH}\n`]]);
    expect(parseHolds(files)).toEqual([{ service: "web", specHash: HASH, phase: "paused" }]);
  });
});
