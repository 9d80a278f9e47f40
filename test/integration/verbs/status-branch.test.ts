// The verbs that read the status branch alone, through the real command line
// against a real git http-backend behind basic auth: `status`, `wait` and
// `plan --against status`. Status is written by the real GitStatusSink from
// the real renderer; the cluster.yaml names Docker hosts nobody can reach, so
// any attempt to contact one would show (the live plan fails with exit 4).

import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GitStatusSink } from "../../../src/adapters/git/sink.js";
import { readRepoDir } from "../../../src/adapters/system/read-dir.js";
import type { DesiredState } from "../../../src/model/spec.js";
import { loadSpec } from "../../../src/spec/index.js";
import { appendEvents, emptyEventLog, render, type StatusInput } from "../../../src/status/index.js";
import { gitfleet } from "../../support/cli.js";
import { serviceYaml } from "../../support/git-fixtures.js";
import { auth, startHarness, type Harness } from "../git/harness.js";

const CLUSTER = [
  "kind: Cluster",
  "name: verbs",
  "hosts:",
  "  - {name: h1, docker: 'tcp://127.0.0.1:1', address: 127.0.0.1}",
  "  - {name: h2, docker: 'tcp://127.0.0.1:2', address: 127.0.0.2}",
  "edge: {image: haproxy:2.8}",
  "",
].join("\n");

let h: Harness;
let sink: GitStatusSink;
let desired: DesiredState;
let commit = "";
const env = { GITFLEET_GIT_USERNAME: auth.username, GITFLEET_GIT_PASSWORD: auth.password };

function statusOf(over: Partial<StatusInput> = {}): Map<string, string> {
  const web = desired.services.find((s) => s.name === "web")!;
  const replica = (slot: string, host: string) => ({
    id: `${slot}${host}`.padEnd(64, "0").replace(/[^0-9a-f]/g, "a"),
    name: `gf-verbs-web-${slot}`,
    host,
    service: "web",
    slot,
    specHash: web.specHash,
    commit,
    state: "running" as const,
    health: "none" as const,
    createdAt: Date.UTC(2026, 11, 6, 20),
    restartCount: 0,
    publishedPorts: {},
  });
  return render({
    cluster: "verbs",
    desired: { commit, author: "Alice", message: "two webs", timestamp: Date.UTC(2026, 11, 6, 20) },
    hosts: ["h1", "h2"].map((name, i) => ({
      name,
      address: `127.0.0.${i + 1}`,
      state: "up" as const,
      drain: false,
      capacity: { nanoCpus: 2e9, memoryBytes: 4 * 1024 ** 3 },
    })),
    services: [{ spec: web, desired: 2 }],
    replicas: [replica("1", "h1"), replica("2", "h2")],
    events: emptyEventLog(),
    ...over,
  });
}

const run = (args: readonly string[], cwd?: string) =>
  gitfleet(args, { env, ...(cwd !== undefined ? { cwd } : {}) });

beforeAll(async () => {
  h = await startHarness({
    "cluster.yaml": CLUSTER,
    "services/web.yaml": serviceYaml("web", { replicas: 2 }),
  });
  commit = (await h.work.git(["rev-parse", "HEAD"])).trim();
  const loaded = loadSpec(await readRepoDir(h.work.dir));
  if (!loaded.ok) throw new Error("fixture invalid");
  desired = loaded.state;
  sink = await GitStatusSink.create({ repository: { url: h.url, auth }, cacheDir: h.cacheDir });
});

afterAll(async () => h?.close());

describe("status, wait and plan --against status, from the status branch alone", () => {
  it("without a status branch: status and plan --against status exit 4 (status-unreadable)", async () => {
    const s = await run(["status", "--repository", h.url, "--json"]);
    expect(s.code).toBe(4);
    expect(JSON.parse(s.stdout).errors[0].code).toBe("status-unreadable");
    const p = await run(["plan", h.work.dir, "--against", "status", "--repository", h.url, "--json"]);
    expect(p.code).toBe(4);
    expect(JSON.parse(p.stdout).errors[0].code).toBe("status-unreadable");
  });

  it("wait times out with 124 while the commit is not applied, then status shows the table", async () => {
    const w = await run(["wait", commit, "--repository", h.url, "--timeout", "3s", "--interval", "500ms"]);
    expect(w.code).toBe(124);
    expect(w.stderr).toContain("timed out after 3s");

    expect((await sink.write(statusOf(), "status")).pushed).toBe(true);
    const s = await run(["status", "--repository", h.url]);
    expect(s.code).toBe(0);
    expect(s.stdout).toMatch(
      /^cluster verbs: Synced\nas of status commit [0-9a-f]{12} \(\d{4}-.*Z, \d+s ago\)/,
    );
    expect(s.stdout).toMatch(/web\s+converged\s+2\s+2\s+2\s+2/);
    const j = JSON.parse((await run(["status", "--repository", h.url, "--json"])).stdout);
    expect(j).toMatchObject({ format_version: 1, sync: "Synced", applied_commit: commit });
    expect(j.status_commit.age_seconds).toBeGreaterThanOrEqual(0);
    const stale = await run(["status", "--repository", h.url, "--max-age", "0s", "--json"]);
    expect(stale.code).toBe(4);
    expect(JSON.parse(stale.stdout).errors[0].code).toBe("status-stale");
  });

  it("wait exits 0 on an applied commit (short id too), with --json", async () => {
    const w = await run(["wait", commit.slice(0, 7), "--repository", h.url, "--timeout", "20s", "--json"]);
    expect(w.code).toBe(0);
    expect(JSON.parse(w.stdout)).toMatchObject({
      done: true,
      outcome: "applied",
      commit: commit.slice(0, 7),
    });
  });

  it("plan --against status: no Docker contacted; no change, then a scale to 3 planned on the recorded hosts", async () => {
    const live = await run(["plan", h.work.dir, "--json"]);
    expect(live.code).toBe(4); // the hosts cannot be reached: the live plan refuses to guess
    const same = await run(["plan", h.work.dir, "--against", "status", "--repository", h.url, "--json"]);
    expect(same.code).toBe(0);
    const doc = JSON.parse(same.stdout);
    expect(doc).toMatchObject({ changes: false, partial: false, observed_from: { source: "status" } });
    await h.work.write({ "services/web.yaml": serviceYaml("web", { replicas: 3 }) });
    const more = await run([
      "plan",
      h.work.dir,
      "--against",
      "status",
      "--repository",
      h.url,
      "--format",
      "markdown",
      "--detailed-exitcode",
    ]);
    expect(more.code).toBe(3);
    expect(more.stdout).toContain("**Plan: 1 to add, 0 to change, 0 to destroy.**");
    expect(more.stdout).toContain("Planned against the status branch as of");
    await h.work.write({ "services/web.yaml": serviceYaml("web", { replicas: 2 }) });
  });

  it("plan --against status --max-age: exit 4 (status-stale) past the bound, a plan within it, exit 2 for a bad duration", async () => {
    const base = ["plan", h.work.dir, "--against", "status", "--repository", h.url];
    const stale = await run([...base, "--max-age", "0s"]);
    expect(stale.code).toBe(4);
    expect(stale.stdout).toBe("");
    expect(stale.stderr).toMatch(
      /^gitfleet plan: the status commit [0-9a-f]{12} is \d+s old \(more than --max-age 0s\)\n$/,
    );
    const staleJson = await run([...base, "--max-age", "0s", "--json"]);
    expect(staleJson.code).toBe(4);
    expect(JSON.parse(staleJson.stdout)).toMatchObject({
      format_version: 1,
      services: [],
      errors: [{ code: "status-stale" }],
    });
    const fresh = await run([...base, "--max-age", "1h", "--json"]);
    expect(fresh.code).toBe(0);
    expect(JSON.parse(fresh.stdout)).toMatchObject({ partial: false, observed_from: { source: "status" } });
    const bad = await run([...base, "--max-age", "soon"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^gitfleet plan: --max-age soon: /);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });

  it("plan --against status: a host status does not describe is unobserved (exit 4, named), partial with --allow-partial", async () => {
    const base = ["plan", h.work.dir, "--against", "status", "--repository", h.url];
    const h3 = "  - {name: h3, docker: 'tcp://127.0.0.1:3', address: 127.0.0.3}\n";
    await h.work.write({ "cluster.yaml": CLUSTER.replace("edge:", `${h3}edge:`) });
    try {
      const r = await run([...base, "--detailed-exitcode"]);
      expect(r.code).toBe(4);
      expect(r.stdout).toBe("");
      // After the plain-tcp-engine warnings of cluster.yaml, the unobserved host once, with why.
      expect(r.stderr.split("\n").filter((l) => !l.startsWith("cluster.yaml:"))).toEqual([
        "gitfleet plan: 1 of 3 hosts could not be observed; no plan (use --allow-partial to plan without them):",
        "  h3: not in the status branch (added since the last status commit?)",
        "",
      ]);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      const partial = await run([...base, "--allow-partial", "--json"]);
      expect(partial.code).toBe(0);
      expect(JSON.parse(partial.stdout)).toMatchObject({
        partial: true,
        unobserved_hosts: [{ host: "h3" }],
        observed_from: { source: "status" },
      });
      const md = await run([...base, "--allow-partial", "--format", "markdown"]);
      expect(md.code).toBe(0);
      expect(md.stdout).toContain("> **Partial plan**: these hosts were not observed");
    } finally {
      await h.work.write({ "cluster.yaml": CLUSTER });
    }
  });

  it("wait exits 1 on a rolled-back rollout and on a rejected commit, with the reason", async () => {
    const web = desired.services.find((s) => s.name === "web")!;
    const events = appendEvents(emptyEventLog(), [
      {
        time: Date.UTC(2026, 11, 6, 21),
        kind: "rolled-back",
        service: "web",
        message: "web/1 failed its health check",
      },
    ]);
    await sink.write(
      statusOf({ services: [{ spec: web, desired: 2, phase: "rolled-back" }], events }),
      "rolled back",
    );
    const w = await run(["wait", commit, "--repository", h.url, "--timeout", "20s"]);
    expect(w.code).toBe(1);
    expect(w.stderr).toContain("web rolled-back (web/1 failed its health check)");

    const bad = "abcdef0123456789abcdef0123456789abcdef01";
    const rejected = {
      commit: bad,
      author: "Bob",
      message: "broken",
      timestamp: Date.UTC(2026, 11, 6, 21),
      reason: "invalid" as const,
      errors: [{ path: "services/web.yaml", line: 6, col: 13, code: "schema", message: "must be >= 0" }],
    };
    await sink.write(statusOf({ rejected }), "rejected");
    const r = await run(["wait", bad, "--repository", h.url, "--timeout", "20s", "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ outcome: "rejected" });
    expect(r.stderr).toContain("services/web.yaml:6:13: must be >= 0");
  });

  it("reads a status branch fetched into a local clone (as the CI snippet does): no token needed", async () => {
    await h.work.git(["fetch", "--quiet", "origin", "gitfleet/status:gitfleet/status"]);
    const s = await gitfleet(["status", "--repository", ".", "--json"], { cwd: h.work.dir, env: {} });
    expect(s.code).toBe(0);
    expect(JSON.parse(s.stdout)).toMatchObject({ cluster: "verbs" });
  });

  it("status exits 4 (suspend-switch-unknown) when the operator could not read the suspend switch, 0 when suspended", async () => {
    const hold = {
      switch: "file" as const,
      where: "/var/lib/gitfleet/suspended.json",
      note: { reason: "x" },
    };
    await sink.write(statusOf({ suspension: { state: "suspended", holds: [hold], lifted: [] } }), "held");
    const held = await run(["status", "--repository", h.url, "--json"]);
    expect(held.code, held.stderr).toBe(0);
    expect(JSON.parse(held.stdout)).toMatchObject({ suspended: { state: "suspended" }, errors: [] });
    const unknown = {
      state: "unknown" as const,
      code: "etcd-unreachable",
      error: "etcd-unreachable: timeout",
      holds: [],
    };
    await sink.write(statusOf({ suspension: unknown }), "unknown");
    const j = await run(["status", "--repository", h.url, "--json"]);
    expect(j.code).toBe(4);
    expect(JSON.parse(j.stdout)).toMatchObject({
      cluster: "verbs",
      suspended: { state: "unknown", error_code: "etcd-unreachable", source: "status-branch" },
      errors: [{ code: "suspend-switch-unknown" }],
    });
    const text = await run(["status", "--repository", h.url]);
    expect(text.code).toBe(4);
    expect(text.stdout).toMatch(/web\s+converged/); // the rest of the status is still shown
  });

  it("wait: bad usage exits 2, an unreadable repository 4", async () => {
    expect((await run(["wait", "HEAD", "--repository", h.url])).code).toBe(2);
    const nowhere = await run(["wait", commit, "--repository", path.join(h.dir, "missing.git")]);
    expect(nowhere.code).toBe(4);
  });
});
