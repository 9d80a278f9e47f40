import { describe, expect, it } from "vitest";
import { ClusterViews, describeChange, render, YamlMemo } from "../../../src/status/index.js";
import { CLUSTER_FILE } from "../../../src/status/yaml-files.js";
import { host, syncedInput } from "./fixtures.js";

const before = render(syncedInput());

describe("describeChange", () => {
  it("says no change for identical files", () => {
    expect(describeChange(before, render(syncedInput()))).toBe("status: no change");
  });

  it("summarises a first report", () => {
    expect(describeChange(new Map(), before)).toBe("status: first report: Synced (api 1/1, web 2/2 healthy)");
  });

  it("names healthy counts, sync state and host changes", () => {
    const base = syncedInput();
    const replicas = base.replicas.map((r, i) => (i === 0 ? { ...r, health: "unhealthy" as const } : r));
    const after = render({ ...base, replicas, hosts: [host("h1"), host("h2", { state: "down" })] });
    expect(describeChange(before, after)).toBe(
      "status: Synced → Degraded; h2 down; web: 2/2 → 1/2 healthy, degraded\n\n" +
        "- Synced → Degraded\n- h2 down\n- web: 2/2 → 1/2 healthy, degraded\n",
    );
  });

  it("names a rejected commit, and its clearing", () => {
    const rejectedCommit = {
      commit: "bad1234000000000000000000000000000000000",
      author: "Bob",
      message: "oops",
      timestamp: 0,
      reason: "invalid" as const,
      errors: [
        { path: "a", line: 1, col: 1, code: "schema", message: "x" },
        { path: "b", line: 1, col: 1, code: "schema", message: "y" },
      ],
    };
    const rejected = render(syncedInput({ rejected: rejectedCommit }));
    expect(describeChange(before, rejected)).toMatch(
      /^status: Synced → Rejected; rejected bad1234 \(2 errors\)\n/,
    );
    expect(describeChange(rejected, before)).toMatch(/^status: Rejected → Synced; rejection cleared\n/);
  });

  it("names added and removed services and a new applied commit", () => {
    const base = syncedInput();
    const without = render({
      ...base,
      services: base.services.filter((s) => s.spec.name !== "api"),
      replicas: base.replicas.filter((r) => r.service !== "api"),
      desired: { ...base.desired!, commit: "abcdef1000000000000000000000000000000000" },
    });
    expect(describeChange(before, without)).toBe(
      "status: applied abcdef1; api removed\n\n- applied abcdef1\n- api removed\n",
    );
  });

  it("falls back to 'details updated' when only details changed, e.g. a container id", () => {
    const base = syncedInput();
    const replicas = base.replicas.map((r, i) => (i === 0 ? { ...r, id: "0".repeat(64) } : r));
    expect(describeChange(before, render({ ...base, replicas }))).toBe("status: details updated");
  });

  it("keeps the subject line short and lists everything in the body", () => {
    const base = syncedInput();
    const many = render({
      ...base,
      hosts: Array.from({ length: 12 }, (_, i) => host(`h${i + 1}`, { state: i > 1 ? "down" : "up" })),
    });
    const msg = describeChange(before, many);
    const [subjectLine, blank, ...body] = msg.split("\n");
    expect(subjectLine!.length).toBeLessThanOrEqual(100);
    expect(subjectLine).toMatch(/…$/);
    expect(blank).toBe("");
    expect(body.filter((l) => l.startsWith("- h")).length).toBe(10);
  });

  it("with the views kept from one commit to the next: the same messages, each cluster file parsed once", () => {
    const base = syncedInput();
    const down = render({ ...base, hosts: [host("h1"), host("h2", { state: "down" })] });
    const up = render(base);
    const views = new ClusterViews();
    const steps: [Map<string, string>, Map<string, string>][] = [
      [new Map(), before],
      [before, down],
      [down, up],
    ];
    for (const [a, b] of steps) expect(describeChange(a, b, views)).toBe(describeChange(a, b));
    // The last "after" is the next "before": its view is the one already made.
    const text = up.get(CLUSTER_FILE);
    expect(views.view(text)).toBe(views.view(text));
    expect(views.view(down.get(CLUSTER_FILE))).toBe(views.view(down.get(CLUSTER_FILE)));
  });

  it("says the same from the documents the files were written from as from reading the files", () => {
    const base = syncedInput();
    const replicas = base.replicas.map((r, i) => (i === 0 ? { ...r, health: "unhealthy" as const } : r));
    const memo = new YamlMemo();
    const first = render(base, memo);
    const second = render({ ...base, replicas, hosts: [host("h1"), host("h2", { state: "down" })] }, memo);
    let known = 0;
    const views = new ClusterViews((path, text) => {
      const doc = memo.docOf(path, text);
      if (doc !== undefined) known++;
      return doc;
    });
    expect(describeChange(first, second, views)).toBe(describeChange(first, second));
    expect(known).toBe(1); // the second file's document; the first, no longer in the memo, is read
    expect(memo.docOf("status/cluster.yaml", first.get("status/cluster.yaml") ?? "")).toBeUndefined();
  });
});
