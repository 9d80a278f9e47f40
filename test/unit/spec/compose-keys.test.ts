// Every service key of the Compose specification has a decided fate (the
// table in src/spec/compose/keys.ts), checked against the Compose schema as
// published (test/fixtures/compose-spec, see its SOURCE.md); and each fate
// holds through the real loader: same-meaning keys reach the model, ignored
// ones warn at the key, refused ones are errors saying what to do.

import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { SERVICE_KEYS } from "../../../src/spec/compose/keys.js";
import { serviceSchema } from "../../../src/spec/index.js";
import { ceilingWith, errorsOf, lines, load, repo, service, stateOf } from "./helpers.js";

const composeSpec = JSON.parse(
  readFileSync(
    join(resolve(import.meta.dirname, "../../fixtures/compose-spec"), "compose-spec.json"),
    "utf8",
  ),
) as { definitions: { service: { properties: Record<string, unknown> } } };

const composeKeys = Object.keys(composeSpec.definitions.service.properties);
const schemaKeys = Object.keys(serviceSchema.properties);

describe("the Compose key table", () => {
  it("the vendored Compose schema is the full service schema (sanity)", () => {
    expect(composeKeys.length).toBeGreaterThan(80);
    expect(composeKeys).toContain("restart");
  });

  it.each(composeKeys)("%s has a decided fate", (key) => {
    expect(SERVICE_KEYS[key], `${key} has no entry in src/spec/compose/keys.ts`).toBeDefined();
  });

  it("every same-meaning key is in gitfleet's service schema (networks, profiles: the stack loader's)", () => {
    const missing = Object.entries(SERVICE_KEYS)
      .filter(([k, e]) => (e.fate === "same" || e.fate === "cluster") && k !== "networks" && k !== "profiles")
      .map(([k]) => k)
      .filter((k) => !schemaKeys.includes(k));
    expect(missing).toEqual([]);
  });

  it("no ignored or refused key is in the schema (the loader removes them first)", () => {
    const wrong = Object.entries(SERVICE_KEYS)
      .filter(([, e]) => e.fate === "ignored" || e.fate === "refused")
      .map(([k]) => k)
      .filter((k) => schemaKeys.includes(k));
    expect(wrong).toEqual([]);
  });
});

// Conditional ones (build, secrets) say their refusal in service-keys.ts; "fates through the loader" checks those.
const refusedKeys = Object.entries(SERVICE_KEYS).filter(
  ([, e]) => e.fate === "refused" && e.conditional !== true,
);
/** What a refusal tells people to do: the first word after its reason. */
const ACTIONS = /^(remove|write|use|set|give|build|bake|share|handle|do|deploy|put|declare)\b/;

describe("every refusal says why, then what to do instead", () => {
  it.each(refusedKeys)("%s", (key, entry) => {
    // "<why>: <what to do>" (or "<why>; <what to do>"), the what-to-do an imperative.
    const m = /^(.+?)[:;] (.+)$/.exec(entry.text);
    expect(m, `${key}: "${entry.text}" has no reason followed by what to do`).not.toBeNull();
    const [, why = "", what = ""] = m ?? [];
    expect(why.trim().length, `${key}: no reason`).toBeGreaterThan(10);
    expect(what, `${key}: "${what}" does not start with what to do`).toMatch(ACTIONS);
  });

  it("keys with nothing to write instead say to remove them", () => {
    for (const key of [
      "oom_kill_disable",
      "oom_score_adj",
      "use_api_socket",
      "cpu_rt_period",
      "cpu_rt_runtime",
    ])
      expect(SERVICE_KEYS[key]?.text).toContain(`remove ${key}:`);
  });

  it("use_api_socket and oom_kill_disable are refused at the key through the loader, with the table's text", () => {
    const doc = service(
      "web", // 1-3
      "use_api_socket: true", // 4
      "oom_kill_disable: true", // 5
    );
    const errors = errorsOf(repo({ "services/web.yaml": doc }));
    expect(errors.map((e) => `${e.line}:${e.col} ${e.code}`)).toEqual([
      "4:1 unsupported-key",
      "5:1 unsupported-key",
    ]);
    expect(errors[0]?.message).toBe(
      `use_api_socket is not supported: ${SERVICE_KEYS["use_api_socket"]?.text}`,
    );
    expect(errors[1]?.message).toMatch(/remove oom_kill_disable:, and set a memory limit/);
  });

  it("README's key table says what the table in keys.ts says", () => {
    const readme = readFileSync(resolve(import.meta.dirname, "../../../README.md"), "utf8");
    const rows = new Map<string, string>();
    for (const line of readme.split("\n")) {
      const m =
        /^\| `([a-z_]+)`\s*\| (?:same meaning|cluster meaning|ignored|refused)[^|]*\|\s*(.*?)\s*\|$/.exec(
          line,
        );
      if (m?.[1] !== undefined && m[2] !== undefined) rows.set(m[1], m[2]);
    }
    for (const [key, entry] of Object.entries(SERVICE_KEYS)) expect(rows.get(key), key).toBe(entry.text);
  });
});

function where(files: Record<string, string>): string[] {
  const r = load(repo(files));
  const list = [...(r.ok ? [] : r.errors), ...(r.warnings ?? [])];
  return list.filter((e) => e.path !== "cluster.yaml").map((e) => `${e.line}:${e.col} ${e.code}`);
}

describe("fates through the loader", () => {
  it("ignored keys warn at the key and the service deploys", () => {
    const doc = service(
      "web", // 1-3
      "container_name: my-web", // 4
      "pull_policy: always", // 5
      "platform: linux/amd64", // 6
      "profiles: [debug]", // 7
      "build: .", // 8
      "networks: [front]", // 9
    );
    const r = load(repo({ "services/web.yaml": doc }));
    expect(r.ok).toBe(true);
    expect(where({ "services/web.yaml": doc })).toEqual([
      "4:1 ignored-key",
      "5:1 ignored-key",
      "6:1 ignored-key",
      "7:1 ignored-key",
      "8:1 ignored-key",
      "9:1 ignored-key",
    ]);
    const w = (r.warnings ?? []).find((x) => x.line === 4);
    expect(w?.message).toContain(
      "container_name is ignored: gitfleet names every replica's container itself",
    );
  });

  it("refused keys are errors that say what to do; build without image says to push an image", () => {
    const doc = [
      "kind: Service",
      "name: web",
      "build: ./app",
      "secrets: [db]",
      "volumes_from: [other]",
      "",
    ].join("\n");
    const errors = errorsOf(repo({ "services/web.yaml": doc }));
    const lines = errors.map((e) => `${e.line}:${e.col} ${e.code}: ${e.message}`);
    expect(lines).toContain(
      "3:1 unsupported-key: build without image: gitfleet deploys images, it does not build them: build the image, push it to a registry the hosts can pull from, and name it in image:",
    );
    expect(
      lines.some((l) => l.startsWith("4:1 unsupported-key: secrets is not supported in services/ documents")),
    ).toBe(true);
    expect(lines.some((l) => l.startsWith("5:1 unsupported-key: volumes_from is not supported:"))).toBe(true);
  });

  it("same-meaning keys reach the model; older spellings fill deploy", () => {
    const doc = service(
      "web",
      "restart: on-failure:4",
      "init: true",
      "working_dir: /app",
      "hostname: web-host",
      "extra_hosts: ['db.local:10.0.0.5', 'x=10.0.0.6']",
      "stop_signal: SIGQUIT",
      "tmpfs: ['/run', '/tmp:size=64m']",
      "expose: [9000, '53/udp']",
      "shm_size: 64M",
      "ulimits: {nofile: {soft: 1024, hard: 2048}, nproc: 512}",
      "logging: {driver: json-file, options: {max-size: 10m}}",
      "security_opt: [no-new-privileges:true]",
      "sysctls: {net.ipv4.tcp_syncookies: 1}",
      "mem_limit: 256M",
      "cpus: 0.5",
      "scale: 3",
    );
    const s = stateOf(repo({ "services/web.yaml": doc })).services[0];
    expect(s?.container).toEqual({
      init: true,
      workingDir: "/app",
      hostname: "web-host",
      extraHosts: ["db.local:10.0.0.5", "x:10.0.0.6"],
      stopSignal: "SIGQUIT",
      tmpfs: { "/run": "", "/tmp": "size=64m" },
      expose: ["9000/tcp", "53/udp"],
      shmSizeBytes: 64 * 1024 * 1024,
      ulimits: [
        { name: "nofile", soft: 1024, hard: 2048 },
        { name: "nproc", soft: 512, hard: 512 },
      ],
      logging: { driver: "json-file", options: { "max-size": "10m" } },
      securityOpt: ["no-new-privileges:true"],
      sysctls: { "net.ipv4.tcp_syncookies": "1" },
    });
    expect(s?.deploy.restartPolicy).toMatchObject({ condition: "on-failure", maxAttempts: 4 });
    expect(s?.deploy.limits).toEqual({ nanoCpus: 500_000_000, memoryBytes: 256 * 1024 * 1024 });
    expect(s?.deploy.replicas).toBe(3);
  });

  it("deploy: wins over the older spellings", () => {
    const doc = service(
      "web",
      "restart: always",
      "scale: 2",
      "deploy:",
      "  replicas: 5",
      "  restart_policy: {condition: none}",
    );
    const s = stateOf(repo({ "services/web.yaml": doc })).services[0];
    expect(s?.deploy.replicas).toBe(5);
    expect(s?.deploy.restartPolicy.condition).toBe("none");
  });

  it("deploy.restart_policy.condition takes docker compose's always, unless-stopped and no", () => {
    // bigcapital's file writes condition: unless-stopped; docker compose maps it to the engine's
    // policy (mapRestartPolicyCondition), so it is Compose that files rely on.
    const conditions = (c: string) =>
      stateOf(
        repo({
          "stacks/a/compose.yaml": lines(
            "services:",
            "  web:",
            "    image: x:1",
            `    deploy: {restart_policy: {condition: ${c}, max_attempts: 2}}`,
          ),
        }),
      ).services[0]?.deploy.restartPolicy;
    expect(conditions("unless-stopped")).toMatchObject({ condition: "any", maxAttempts: 2 });
    expect(conditions("always")?.condition).toBe("any");
    expect(conditions("no")?.condition).toBe("none");
    expect(conditions("on-failure")?.condition).toBe("on-failure");
    expect(
      errorsOf(
        repo({ "services/web.yaml": service("web", "deploy: {restart_policy: {condition: sometimes}}") }),
      ).map((e) => e.code),
    ).toEqual(["schema"]);
  });

  it("privilege-widening keys stay within the ceiling", () => {
    const doc = service(
      "web", // 1-3
      "security_opt: [no-new-privileges, seccomp=unconfined]", // 4
      "sysctls:", // 5
      "  net.ipv4.tcp_syncookies: 1", // 6
      "  net.core.somaxconn: 1024", // 7
      "pid: host", // 8
      "ipc: host", // 9
    );
    expect(where({ "services/web.yaml": doc })).toEqual([
      "4:35 ceiling-security-opt",
      "7:3 ceiling-sysctl",
      "8:6 ceiling-host-pid",
      "9:6 ceiling-host-ipc",
    ]);
    const wider = ceilingWith({
      securityOpt: ["seccomp=*"],
      sysctls: ["net.*"],
      allowHostPid: true,
      allowHostIpc: true,
    });
    expect(load(repo({ "services/web.yaml": doc }), wider).ok).toBe(true);
  });
});

describe("Compose spellings that used to be refused", () => {
  it('published: "8080" (a string) is a port', () => {
    const doc = service("web", "ports:", '  - {target: 80, published: "8080"}');
    expect(stateOf(repo({ "services/web.yaml": doc })).services[0]?.ports[0]?.published).toBe(8080);
  });

  it("ports with a host IP parse; the IP is ignored with a warning at the entry", () => {
    const doc = service("web", "ports:", "  - 9000:9000", '  - "127.0.0.1:8080:80"', '  - "[::1]::81/udp"');
    const r = load(repo({ "services/web.yaml": doc }));
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.state.services[0]?.ports.map((p) => [p.published, p.target, p.protocol])).toEqual([
      [9000, 9000, "tcp"],
      [8080, 80, "tcp"],
      [undefined, 81, "udp"],
    ]);
    const own = (r.warnings ?? []).filter((w) => w.path === "services/web.yaml");
    expect(own.map((w) => `${w.line}:${w.col} ${w.code}`)).toEqual(["6:5 ignored-key", "7:5 ignored-key"]);
  });

  it("volumes with options (:ro,z) parse", () => {
    const doc = service(
      "web",
      "volumes:",
      "  - data:/data:ro,z",
      "  - logs:/logs:Z",
      "  - cache:/cache:rw,nocopy",
    );
    const v = stateOf(repo({ "services/web.yaml": doc })).services[0]?.volumes;
    expect(v?.map((x) => [x.source, x.target, x.readOnly])).toEqual([
      ["data", "/data", true],
      ["logs", "/logs", false],
      ["cache", "/cache", false],
    ]);
  });

  it("cap_drop: [all] lowercase is accepted", () => {
    const doc = service("web", "cap_drop: [all]", "cap_add: [net_bind_service]");
    const s = stateOf(repo({ "services/web.yaml": doc })).services[0];
    expect(s?.capDrop).toEqual(["all"]);
  });
});
