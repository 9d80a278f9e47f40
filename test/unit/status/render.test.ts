import fc from "fast-check";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import {
  appendEvents,
  emptyEventLog,
  render,
  type StatusEvent,
  type StatusInput,
} from "../../../src/status/index.js";
import { DESIRED, host, REJECTED, replica, service, spec, syncedInput } from "./fixtures.js";

type Doc = Record<string, unknown>;

function yamlOf(files: Map<string, string>, path: string): Doc {
  const text = files.get(path);
  if (text === undefined) throw new Error(`no ${path} in ${[...files.keys()].join(", ")}`);
  return parse(text) as Doc;
}

const cluster = (input: StatusInput): Doc => yamlOf(render(input), "status/cluster.yaml");
const svc = (input: StatusInput, name: string): Doc => yamlOf(render(input), `status/services/${name}.yaml`);

const LETTERS = "abcdefghijklmnopqrstuvwxyzABCD";

describe("render: files and cluster.yaml", () => {
  it("writes cluster.yaml, one file per service and STATUS.md", () => {
    expect([...render(syncedInput()).keys()].sort()).toEqual([
      "STATUS.md",
      "status/cluster.yaml",
      "status/services/api.yaml",
      "status/services/web.yaml",
    ]);
  });

  it("a converged cluster is Synced, with the desired commit applied and host reservations summed", () => {
    const c = cluster(syncedInput());
    expect(c).toMatchObject({
      cluster: "prod",
      sync: "Synced",
      desired_commit: {
        commit: DESIRED.commit,
        author: DESIRED.author,
        message: "Scale web to 2",
        time: "2023-11-14T22:13:20Z",
      },
      applied_commit: DESIRED.commit,
      hosts: {
        h1: {
          state: "up",
          address: "10.0.0.1",
          replicas: 1,
          cpus: { reserved: 0.25, total: 2 },
          memory_bytes: { reserved: 128 * 1024 ** 2, total: 4 * 1024 ** 3 },
        },
        h2: { state: "up", replicas: 2, cpus: { reserved: 0.5, total: 2 } },
      },
      services: {
        api: { state: "converged", desired: 1, running: 1, healthy: 1, updated: 1 },
        web: { state: "converged", desired: 2, running: 2, healthy: 2, updated: 2 },
      },
      events: [],
    });
    expect(c["rejected_commit"]).toBeUndefined();
    expect(c["git"]).toBeUndefined();
  });

  it("a replica still starting makes the service and the cluster Progressing, and nothing is applied yet", () => {
    const base = syncedInput();
    const replicas = base.replicas.map((r, i) => (i === 0 ? { ...r, health: "starting" as const } : r));
    const c = cluster({ ...base, replicas });
    expect(c["sync"]).toBe("Progressing");
    expect(c["applied_commit"]).toBeUndefined();
    expect(c["services"]).toMatchObject({ web: { state: "progressing", running: 2, healthy: 1 } });
  });

  it("an unhealthy or exited replica is Degraded; a rollout phase from the controller wins", () => {
    const base = syncedInput();
    const unhealthy = base.replicas.map((r, i) => (i === 0 ? { ...r, health: "unhealthy" as const } : r));
    expect(cluster({ ...base, replicas: unhealthy })["sync"]).toBe("Degraded");
    const exited = base.replicas.map((r, i) =>
      i === 0 ? { ...r, state: "exited" as const, exitCode: 1 } : r,
    );
    expect(cluster({ ...base, replicas: exited })["services"]).toMatchObject({
      web: { state: "degraded", running: 1 },
    });
    const rolling = {
      ...base,
      services: base.services.map((s) => ({ ...s, phase: "rolling-out" as const })),
    };
    expect(cluster(rolling)["sync"]).toBe("Progressing");
    const rolledBack = {
      ...base,
      services: base.services.map((s) => ({ ...s, phase: "rolled-back" as const })),
    };
    expect(cluster(rolledBack)).toMatchObject({
      sync: "Degraded",
      services: { web: { state: "rolled-back" } },
    });
  });

  it("a rejected commit is Rejected with every error at path:line:col, while the last good commit stays in effect", () => {
    const c = cluster(
      syncedInput({
        applied: DESIRED.commit,
        rejected: {
          ...REJECTED,
          errors: [
            ...REJECTED.errors,
            { path: "cluster.yaml", line: 1, col: 1, code: "schema", message: "missing hosts" },
          ],
        },
      }),
    );
    expect(c).toMatchObject({
      sync: "Rejected",
      applied_commit: DESIRED.commit,
      rejected_commit: {
        commit: "bad0000000000000000000000000000000000000",
        reason: "invalid",
        errors: [
          'services/web.yaml:3:5: unknown key "imgae" [schema]',
          "cluster.yaml:1:1: missing hosts [schema]",
        ],
      },
    });
  });

  it("the desired commit's warnings are listed at path:line:col with their codes, in cluster.yaml and STATUS.md", () => {
    const input = syncedInput({
      warnings: [
        {
          path: "services/web.yaml",
          line: 6,
          col: 22,
          code: "size-without-unit",
          message: "deploy.resources.limits.memory 256 has no unit",
        },
        { path: "service/api.yaml", line: 1, col: 1, code: "ignored-file", message: "this file is ignored" },
      ],
    });
    expect(cluster(input)["warnings"]).toEqual([
      "services/web.yaml:6:22: deploy.resources.limits.memory 256 has no unit [size-without-unit]",
      "service/api.yaml:1:1: this file is ignored [ignored-file]",
    ]);
    const md = render(input).get("STATUS.md") ?? "";
    expect(md).toContain("> **Warnings** in the desired commit:");
    expect(md).toContain(
      "> - `services/web.yaml:6:22` deploy.resources.limits.memory 256 has no unit (`size-without-unit`)",
    );
    expect(md).toContain("> - `service/api.yaml:1:1` this file is ignored (`ignored-file`)");
    expect(cluster(syncedInput())).not.toHaveProperty("warnings");
    expect(render(syncedInput()).get("STATUS.md")).not.toContain("Warnings");
  });

  it("a Git outage is shown with its start (not its attempt count); without any desired state it is an Error", () => {
    const outage = { since: 1_700_000_060_000, error: "ECONNREFUSED" };
    const stale = cluster(syncedInput({ outage }));
    expect(stale).toMatchObject({
      sync: "Synced",
      git: { reachable: false, since: "2023-11-14T22:14:20Z", error: "ECONNREFUSED" },
    });
    const { desired: _d, ...noDesired } = syncedInput({ outage });
    expect(cluster({ ...noDesired, services: [], replicas: [] })["sync"]).toBe("Error");
    expect(cluster(syncedInput({ error: "docker: h1: timeout" }))).toMatchObject({
      sync: "Error",
      error: "docker: h1: timeout",
    });
  });

  it("a desired state resumed from the operator's cache during an outage is called possibly stale", () => {
    const outage = { since: 1_700_000_060_000, error: "git-unreachable: ECONNREFUSED", fromCache: true };
    const input = syncedInput({ outage });
    expect(cluster(input)).toMatchObject({
      git: { reachable: false, desired_from: "operator cache (may be stale)" },
    });
    const md = render(input).get("STATUS.md") ?? "";
    expect(md).toContain("read from its own cache after a restart: it may be stale");
    expect(render(syncedInput({ outage: { since: 0, error: "x" } })).get("STATUS.md")).toContain(
      "The desired state shown is the last one fetched.",
    );
  });

  it("host states: draining, down (Degraded), and reservations count live replicas only", () => {
    const base = syncedInput();
    const replicas = [...base.replicas, replica(spec("web"), "3", "h1", { state: "exited", exitCode: 137 })];
    const c = cluster({
      ...base,
      replicas,
      hosts: [
        host("h1", { drain: true }),
        host("h2"),
        host("h3", { state: "down", lastSeen: 1_700_000_000_000 }),
      ],
    });
    expect(c["sync"]).toBe("Degraded");
    expect(c["hosts"]).toMatchObject({
      h1: { state: "draining", replicas: 1, cpus: { reserved: 0.25 } },
      h3: { state: "down", replicas: 0, last_seen: "2023-11-14T22:13:20Z" },
    });
  });

  it("a draining host with no replica container left is drained", () => {
    const base = syncedInput();
    const c = cluster({
      ...base,
      replicas: base.replicas.filter((r) => r.host !== "h2"),
      hosts: [host("h1"), host("h2", { drain: true })],
    });
    expect(c["hosts"]).toMatchObject({ h2: { state: "drained", replicas: 0 } });
  });

  it("lists unschedulable reasons per service", () => {
    const base = syncedInput();
    const services = [
      service("web", 3, { unschedulable: ["slot 3: no host has 0.25 CPUs free"] }),
      base.services[1]!,
    ];
    const c = cluster({ ...base, services });
    expect(c["unschedulable"]).toEqual({ web: ["slot 3: no host has 0.25 CPUs free"] });
    expect(c["services"]).toMatchObject({ web: { state: "degraded", desired: 3, healthy: 2 } });
  });

  it("a port some host's edge cannot serve makes the service degraded and the cluster not Synced", () => {
    const base = syncedInput();
    const conflict =
      "ingress port 9090/tcp is not served on h2: container squatter (not managed by gitfleet) holds it";
    const web = base.services.find((s) => s.spec.name === "web");
    const services = base.services.map((s) => (s === web ? { ...s, portConflicts: [conflict] } : s));
    const input = { ...base, services };
    const c = cluster(input);
    expect(c["sync"]).toBe("Degraded");
    expect(c["port_conflicts"]).toEqual({ web: [conflict] });
    expect(c["services"]).toMatchObject({ web: { state: "degraded" } });
    expect(svc(input, "web")).toMatchObject({ state: "degraded", port_conflicts: [conflict] });
    const md = render(input).get("STATUS.md") ?? "";
    expect(md).toContain(`## Port conflicts\n\n- **web**: ${conflict}\n`);
    expect(md).not.toContain("Synced");
  });

  it("the newest events across services come first, bounded", () => {
    const events: StatusEvent[] = Array.from({ length: 30 }, (_, i) => ({
      time: 1_700_000_000_000 + i * 1000,
      kind: "created",
      service: i % 2 ? "web" : "api",
      slot: "1",
      host: "h1",
      // Letters, not numbers: events that differ only in numbers are repeats of one another.
      message: `event ${LETTERS[i] ?? ""}`,
    }));
    const c = cluster(syncedInput({ events: appendEvents(emptyEventLog(50), events), recentEvents: 5 }));
    expect((c["events"] as Doc[]).map((e) => e["message"])).toEqual([
      "event D",
      "event C",
      "event B",
      "event A",
      "event z",
    ]);
    expect((c["events"] as Doc[])[0]).toEqual({
      time: "2023-11-14T22:13:49Z",
      kind: "created",
      service: "web",
      slot: "1",
      host: "h1",
      message: "event D",
    });
  });
});

describe("render: service files", () => {
  it("lists each replica sorted by slot with short ids, restarts, exit code, and the service's events", () => {
    const web = spec("web");
    const base = syncedInput();
    const replicas = [
      replica(web, "10", "h1", { restartCount: 3 }),
      replica(web, "2", "h2", { state: "exited", exitCode: 2, health: "none" }),
      replica(web, "1", "h1"),
    ];
    const events = appendEvents(emptyEventLog(), [
      { time: 1_700_000_000_000, kind: "created", service: "web", slot: "1", host: "h1", message: "created" },
      {
        time: 1_700_000_001_000,
        kind: "restarted",
        service: "web",
        slot: "10",
        host: "h1",
        message: "exit 1",
      },
      { time: 1_700_000_002_000, kind: "host-down", host: "h3", message: "no heartbeat" },
    ]);
    const s = svc({ ...base, services: [service("web", 3)], replicas, events }, "web");
    expect(s).toMatchObject({
      name: "web",
      state: "degraded",
      mode: "replicated",
      image: "registry.local/web:1",
      spec_hash: web.specHash,
      applied_commit: replicas[0]!.commit,
      desired: 3,
      running: 2,
      healthy: 2,
      updated: 2,
    });
    const rs = s["replicas"] as Doc[];
    expect(rs.map((r) => r["slot"])).toEqual(["1", "2", "10"]);
    expect(rs[2]).toEqual({
      slot: "10",
      host: "h1",
      container: replicas[0]!.id.slice(0, 12),
      name: replicas[0]!.name,
      state: "running",
      health: "healthy",
      restarts: 3,
      spec_hash: web.specHash.slice(0, 8),
      commit: replicas[0]!.commit.slice(0, 12),
      // In full too, for plan --against status.
      spec_hash_full: web.specHash,
      commit_full: replicas[0]!.commit,
      created: "2023-11-14T22:13:20Z",
    });
    expect(rs[1]).toMatchObject({ state: "exited", exit_code: 2 });
    expect((s["events"] as Doc[]).map((e) => e["kind"])).toEqual(["restarted", "created"]);
  });

  it("a service gone from the spec whose replicas still run is 'removing' with desired 0", () => {
    const base = syncedInput();
    const s = svc({ ...base, services: base.services.filter((x) => x.spec.name !== "api") }, "api");
    expect(s).toMatchObject({ name: "api", state: "removing", desired: 0, running: 1 });
    expect(s["image"]).toBeUndefined();
  });

  it("shows edge endpoints when given, sorted", () => {
    const base = syncedInput();
    const web = service("web", 2, {
      endpoints: [
        { published: 8443, protocol: "tcp", backends: [] },
        { published: 80, protocol: "tcp", backends: ["10.0.0.2:32769", "10.0.0.1:32768"] },
      ],
    });
    const s = svc({ ...base, services: [web, base.services[1]!] }, "web");
    expect(s["endpoints"]).toEqual([
      { published: 80, protocol: "tcp", backends: ["10.0.0.1:32768", "10.0.0.2:32769"] },
      { published: 8443, protocol: "tcp", backends: [] },
    ]);
  });
});

describe("render: determinism and secrets", () => {
  it("identical state renders byte-identical files, whatever the order of the input lists", () => {
    const base = syncedInput({
      events: appendEvents(emptyEventLog(), [
        { time: 5, kind: "created", service: "web", message: "a" },
        { time: 5, kind: "created", service: "api", message: "b" },
        { time: 5, kind: "host-up", host: "h2", message: "c" },
      ]),
    });
    const reference = render(base);
    fc.assert(
      fc.property(
        fc.shuffledSubarray([...base.replicas], { minLength: base.replicas.length }),
        fc.shuffledSubarray([...base.hosts], { minLength: base.hosts.length }),
        fc.shuffledSubarray([...base.services], { minLength: base.services.length }),
        (replicas, hosts, services) => {
          const again = render({ ...base, replicas, hosts, services });
          expect([...again]).toEqual([...reference]);
        },
      ),
    );
  });

  it("renders spec data only: no environment values, no secret names from env_secrets", () => {
    const leaky = spec("web", {
      environment: { API_URL: "http://internal-only.example:8080", TOKEN_HINT: "plain-env-value-123" },
      envSecrets: { DB_PASSWORD: "shop-db-password" },
      labels: { owner: "team-label-value" },
    });
    const base = syncedInput();
    const files = render({
      ...base,
      services: [{ spec: leaky, desired: 2 }, base.services[1]!],
    });
    const all = [...files.values()].join("\n");
    expect(all).not.toContain("plain-env-value-123");
    expect(all).not.toContain("internal-only.example");
    expect(all).not.toContain("shop-db-password");
    expect(all).toContain("web");
  });
});

describe("render: STATUS.md", () => {
  it("has forge-renderable tables whose rows match their headers, with pipes escaped", () => {
    const base = syncedInput({
      desired: { ...DESIRED, message: "feat: a | b\nmore" },
      events: appendEvents(emptyEventLog(), [
        {
          time: 1_700_000_000_000,
          kind: "moved",
          service: "web",
          slot: "2",
          host: "h2",
          message: "from h3 | down",
        },
      ]),
    });
    const md = render(base).get("STATUS.md") ?? "";
    expect(md).toContain("# gitfleet status: prod");
    expect(md).toContain("**Sync:** Synced");
    expect(md).toContain("feat: a \\| b");
    for (const title of ["## Hosts", "## Services", "## web", "## api", "## Recent events"]) {
      expect(md).toContain(title);
    }
    const tables = md.split("\n\n").filter((block) => block.startsWith("|"));
    expect(tables.length).toBe(5);
    for (const t of tables) {
      const rows = t.split("\n").filter((r) => r !== "");
      const width = (row: string): number => row.replace(/\\\|/g, "").split("|").length;
      expect(rows[1]).toMatch(/^\|(-+:?\|)+$/);
      for (const row of rows) expect(width(row)).toBe(width(rows[0]!));
    }
    expect(md).toMatch(/\| h1 \| up \| 10\.0\.0\.1 \| 1 \| 0\.25 \/ 2 \| 128 MiB \/ 4 GiB \|/);
    expect(md).toMatch(/\| web \| converged \| 2 \| 2 \| 2 \| 2 \| registry\.local\/web:1 \|/);
  });

  it("shows a rejected commit's errors and a Git outage", () => {
    const md =
      render(
        syncedInput({
          rejected: {
            commit: "bad0000000000000000000000000000000000000",
            author: "Bob",
            message: "oops",
            timestamp: 0,
            reason: "invalid",
            errors: [{ path: "services/web.yaml", line: 3, col: 5, code: "schema", message: "bad" }],
          },
          outage: { since: 0, error: "timeout" },
        }),
      ).get("STATUS.md") ?? "";
    expect(md).toContain("> **Rejected commit** `bad000000000` oops: invalid");
    expect(md).toContain("> - `services/web.yaml:3:5` bad");
    expect(md).toContain("> **Git unreachable** since 1970-01-01T00:00:00Z: timeout.");
  });
});
