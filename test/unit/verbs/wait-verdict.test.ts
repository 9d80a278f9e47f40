// The status files, rendered by the real renderer, read back and judged for
// `gitfleet wait`: applied and healthy, rejected, rolled back, paused, pending.

import { describe, expect, it } from "vitest";
import { appendEvents, emptyEventLog, render } from "../../../src/status/index.js";
import { readStatusView } from "../../../src/status/readback.js";
import { waitVerdict } from "../../../src/status/wait-verdict.js";
import { isoTime, parseIsoTime } from "../../../src/status/format.js";
import { renderStatusTable } from "../../../src/cli/verbs/status-table.js";
import { DESIRED, replica, service, syncedInput } from "../status/fixtures.js";

const C = DESIRED.commit;
const OTHER = "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0";

describe("readStatusView", () => {
  it("reads back what the renderer writes, full hashes and creation times included", () => {
    const input = syncedInput();
    const view = readStatusView(render(input))!;
    expect(view).toMatchObject({ cluster: "prod", sync: "Synced", applied: C, desired: { commit: C } });
    expect(view.hosts.map((h) => [h.name, h.state, h.replicas])).toEqual([
      ["h1", "up", 1],
      ["h2", "up", 2],
    ]);
    const web = view.services.find((s) => s.name === "web")!;
    expect(web).toMatchObject({ state: "converged", desired: 2, healthy: 2, updated: 2 });
    expect(web.replicas[0]).toMatchObject({
      slot: "1",
      host: "h1",
      specHash: input.services[0]!.spec.specHash,
      commit: C,
      createdAt: Math.floor(input.replicas[0]!.createdAt / 1000) * 1000,
    });
  });

  it("reads back a waiting commit and why (suspended, a deny window)", () => {
    const waitingCommit = {
      commit: { ...DESIRED, commit: OTHER, message: "next\n\nbody" },
      reason: "suspended by ops@h1: incident 42",
      since: 1_700_000_100_000,
    };
    const files = render(syncedInput({ waitingCommit }));
    expect(readStatusView(files)?.waiting).toMatchObject({
      commit: OTHER,
      message: "next",
      reason: "suspended by ops@h1: incident 42",
      since: "2023-11-14T22:15:00Z",
    });
    expect(files.get("STATUS.md")).toContain(
      "**Waiting commit** `b0b0b0b0b0b0` next since 2023-11-14T22:15:00Z: suspended by ops@h1: incident 42",
    );
  });

  it("reads files written before the full hashes (short ones stay) and skips what is not status", () => {
    const files = new Map([
      [
        "status/cluster.yaml",
        "cluster: prod\nsync: Progressing\ndesired_commit: {commit: abc1234def}\nhosts: {h1: {state: down}}\n",
      ],
      [
        "status/services/web.yaml",
        "name: web\nstate: progressing\nreplicas:\n  - {slot: '1', host: h1, spec_hash: 1234abcd, commit: abc1234def}\n  - nonsense\n",
      ],
      ["status/services/x.yaml", ": : not yaml ["],
    ]);
    const view = readStatusView(files)!;
    expect(view.services.map((s) => s.name)).toEqual(["web"]);
    expect(view.services[0]!.replicas).toEqual([
      expect.objectContaining({ slot: "1", host: "h1", specHash: "1234abcd", commit: "abc1234def" }),
    ]);
    expect(view.services[0]!.replicas[0]!.createdAt).toBeUndefined();
    expect(readStatusView(new Map())).toBeUndefined();
  });
});

describe("waitVerdict", () => {
  it("is done and good when the commit is desired and applied", () => {
    const v = waitVerdict(C.slice(0, 7), readStatusView(render(syncedInput())));
    expect(v).toMatchObject({ done: true, outcome: "applied" });
  });

  it("waits while the commit rolls out, naming the services that are not converged", () => {
    const input = syncedInput();
    const web = service("web", 3);
    const v = waitVerdict(C, readStatusView(render({ ...input, services: [web, input.services[1]!] })));
    expect(v).toMatchObject({ done: false, outcome: "pending", services: ["web"] });
    expect(v.reason).toContain("web progressing 2/3 updated");
  });

  it("fails a rejected commit with its reason and first error", () => {
    const rejected = {
      ...DESIRED,
      commit: OTHER,
      reason: "invalid" as const,
      errors: [{ path: "services/web.yaml", line: 3, col: 1, code: "schema", message: "bad replicas" }],
    };
    const v = waitVerdict(OTHER, readStatusView(render(syncedInput({ rejected }))));
    expect(v).toMatchObject({ done: true, outcome: "rejected" });
    expect(v.reason).toContain("invalid");
    expect(v.reason).toContain("bad replicas");
  });

  it("fails a rolled-back rollout, never calling it applied, with the rollback's message", () => {
    const input = syncedInput();
    const web = service("web", 2, { phase: "rolled-back" });
    const events = appendEvents(emptyEventLog(), [
      { time: 1, kind: "rolled-back", service: "web", message: "web/1 unhealthy after update" },
    ]);
    const v = waitVerdict(
      C,
      readStatusView(render({ ...input, services: [web, input.services[1]!], events })),
    );
    expect(v).toMatchObject({ done: true, outcome: "rolled-back", services: ["web"] });
    expect(v.reason).toContain("web/1 unhealthy after update");
    const paused = service("web", 2, { phase: "paused" });
    expect(
      waitVerdict(C, readStatusView(render({ ...input, services: [paused, input.services[1]!] }))).outcome,
    ).toBe("paused");
  });

  it("waits for a commit status does not name yet, and for one held by a switch", () => {
    const view = readStatusView(render(syncedInput()))!;
    expect(waitVerdict(OTHER, view)).toMatchObject({ done: false, outcome: "pending" });
    const held = { ...view, waiting: { commit: OTHER, reason: "suspended by ops: incident" } };
    expect(waitVerdict(OTHER, held).reason).toContain("suspended by ops: incident");
    expect(waitVerdict(OTHER, undefined).done).toBe(false);
  });
});

describe("renderStatusTable", () => {
  it("says how old the status is and lists hosts and services in aligned columns", () => {
    const input = syncedInput();
    const view = readStatusView(
      render({ ...input, replicas: [...input.replicas, replica(input.services[1]!.spec, "2", "h1")] }),
    )!;
    const text = renderStatusTable({
      view,
      statusCommit: OTHER,
      statusTime: "2026-12-06T21:00:00Z",
      age: "3m 2s",
      where: "repo branch gitfleet/status",
    });
    expect(text).toContain("cluster prod: ");
    expect(text).toContain(`as of status commit ${OTHER.slice(0, 12)} (2026-12-06T21:00:00Z, 3m 2s ago)`);
    const lines = text.split("\n");
    const head = lines.find((l) => l.startsWith("SERVICE"))!;
    const web = lines.find((l) => l.startsWith("web "))!;
    expect(head.indexOf("DESIRED")).toBe(web.indexOf("2"));
  });
});

describe("parseIsoTime", () => {
  it("inverts isoTime, leap days and year ends included", () => {
    for (const ms of [0, 951_782_400_000, 1_709_164_799_000, 1_798_761_599_000, 4_102_444_800_000])
      expect(parseIsoTime(isoTime(ms))).toBe(ms);
    expect(parseIsoTime("yesterday")).toBeUndefined();
  });
});
