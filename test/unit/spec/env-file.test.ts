// env_file (read from the commit), bare environment entries (from the
// interpolation variables), relative bind mounts (refused, saying what to
// write instead), depends_on names, and positions of rules that run after
// an invalid list entry was left out.

import { describe, expect, it } from "vitest";
import type { SpecError } from "../../../src/model/spec.js";
import { loadSpec } from "../../../src/spec/index.js";
import { errorsOf, lines, repo, service, stateOf } from "./helpers.js";

function where(errors: readonly SpecError[]): string[] {
  return errors.filter((e) => e.path !== "cluster.yaml").map((e) => `${e.path}:${e.line}:${e.col} ${e.code}`);
}

describe("env_file", () => {
  it("reads env files of the stack's folder; later files win, environment wins over them all", () => {
    const state = stateOf(
      repo({
        "stacks/shop/compose.yaml": lines(
          "services:",
          "  web:",
          "    image: shop/web:1",
          "    env_file:",
          "      - common.env",
          "      - path: ./conf/web.env",
          "      - path: local.env",
          "        required: false",
          "    environment:",
          "      MODE: from-environment",
        ),
        "stacks/shop/common.env": lines(
          "# shared",
          "MODE=common",
          "LEVEL=info",
          "URL=http://${HOST:-db}:5432",
        ),
        "stacks/shop/conf/web.env": lines("LEVEL=debug", "export QUOTED='a b'"),
      }),
    );
    expect(state.services[0]?.environment).toEqual({
      MODE: "from-environment",
      LEVEL: "debug",
      URL: "http://db:5432",
      QUOTED: "a b",
    });
  });

  it("accepts the single-path form and services/ documents reading variables files under services/", () => {
    const state = stateOf(
      repo({
        "services/api.yaml": service("api", "env_file: api.env"),
        "services/api.env": lines("A=1"),
        "stacks/s/compose.yaml": lines("services:", "  w:", "    image: x:1", "    env_file: w.env"),
        "stacks/s/w.env": lines("B=2"),
      }),
    );
    expect(state.services.map((s) => s.environment)).toEqual([{ A: "1" }, { B: "2" }]);
  });

  it("changes the spec hash when an env file changes", () => {
    const files = (value: string) =>
      repo({
        "stacks/s/compose.yaml": lines("services:", "  w:", "    image: x:1", "    env_file: w.env"),
        "stacks/s/w.env": lines(`B=${value}`),
      });
    expect(stateOf(files("1")).services[0]?.specHash).not.toBe(stateOf(files("2")).services[0]?.specHash);
  });

  it("refuses missing files, paths out of the repository or the stack's folder, and points into env files", () => {
    const errors = errorsOf(
      repo({
        "stacks/s/compose.yaml": lines(
          "services:", // 1
          "  w:", // 2
          "    image: x:1", // 3
          "    env_file:", // 4
          "      - nope.env", // 5
          "      - ../../../etc/passwd", // 6
          "      - ../other/o.env", // 7
          "      - bad.env", // 8
          "      - {path: x.env, mode: 1}", // 9
        ),
        "stacks/other/compose.yaml": lines("services:", "  o:", "    image: x:1"),
        "stacks/other/o.env": lines("O=1"),
        "stacks/s/bad.env": lines("OK=1", "not a line"),
      }),
    );
    expect(where(errors)).toEqual([
      "stacks/s/bad.env:2:1 bad-env-file",
      "stacks/s/compose.yaml:5:9 bad-env-file",
      "stacks/s/compose.yaml:6:9 bad-env-file",
      "stacks/s/compose.yaml:7:9 bad-env-file",
      "stacks/s/compose.yaml:9:9 schema",
    ]);
    const text = errors.map((e) => e.message).join("\n");
    expect(text).toContain("not in the commit (add it, or mark the entry required: false)");
    expect(text).toContain("leaves the repository");
    expect(text).toContain("outside the stack's folder stacks/s/");
  });

  it("an unclosed quote in an env file is an error at its quote; the lines after it keep their own errors", () => {
    const errors = errorsOf(
      repo({
        "stacks/s/compose.yaml": lines("services:", "  w:", "    image: x:1", "    env_file: app.env"),
        "stacks/s/app.env": lines("OK=1", 'MSG="hello', "LEVEL=info", "not a line"),
      }),
    );
    expect(where(errors)).toEqual([
      "stacks/s/app.env:2:5 unclosed-quote",
      "stacks/s/app.env:4:1 bad-env-file",
    ]);
  });

  it("text after a closing quote in an env file is text-after-quote at that text; a comment there is not", () => {
    const errors = errorsOf(
      repo({
        "stacks/s/compose.yaml": lines("services:", "  w:", "    image: x:1", "    env_file: app.env"),
        "stacks/s/app.env": lines('MSG="hello" # greeting', "PASSWORD='hunter2' hunter3", "LEVEL=info"),
      }),
    );
    expect(where(errors)).toEqual(["stacks/s/app.env:2:20 text-after-quote"]);
    expect(errors.map((e) => e.message).join("\n")).not.toContain("hunter");
  });

  it("keeps values of secret-named variables from env files out of messages", () => {
    const result = loadSpec(
      new Map(
        Object.entries(
          repo({
            "stacks/s/compose.yaml": lines(
              "services:",
              "  w:",
              "    image: x:1",
              "    env_file: w.env",
              "    environment: [MISSING]",
              "    labels: {note: hunter2hunter2}",
              "    volumes: ['./hunter2hunter2:/x']",
            ),
            "stacks/s/w.env": lines("DB_PASSWORD=hunter2hunter2"),
          }),
        ),
      ),
    );
    // The warning about ./hunter2hunter2 is written, with the value redacted.
    const messages = [...(result.ok ? [] : result.errors), ...(result.warnings ?? [])];
    expect(messages.some((m) => m.code === "bind-mount-mapped" && m.message.includes("./***"))).toBe(true);
    const text = JSON.stringify(messages);
    expect(text).not.toContain("hunter2hunter2");
  });
});

describe("environment entries without a value", () => {
  it("take their value from the interpolation variables (operator's, then .env)", () => {
    const files = repo({
      "stacks/s/compose.yaml": lines("services:", "  w:", "    image: x:1", "    environment: [TZ, LANG]"),
      "stacks/s/.env": lines("TZ=Europe/Paris"),
      "services/a.yaml": service("a", "environment:", "  TZ:", "  B: 1"),
      "services/.env": lines("TZ=UTC"),
    });
    const ok = loadSpec(new Map(Object.entries(files)), { variables: { LANG: "C.UTF-8" } });
    if (!ok.ok) throw new Error(JSON.stringify(ok.errors));
    expect(ok.state.services.map((s) => s.environment)).toEqual([
      { TZ: "UTC", B: "1" },
      { TZ: "Europe/Paris", LANG: "C.UTF-8" },
    ]);
  });

  it("are left out, as Compose leaves them out, with a warning at the entry saying where to define them", () => {
    const r = loadSpec(
      new Map(
        Object.entries(
          repo({
            "stacks/s/compose.yaml": lines(
              "services:", // 1
              "  w:", // 2
              "    image: x:1", // 3
              "    environment:", // 4
              "      - A=1", // 5
              "      - UNSET", // 6
            ),
            "services/a.yaml": service("a", "environment:", "  UNSET_TOO:"),
          }),
        ),
      ),
    );
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.state.services.map((s) => s.environment)).toEqual([{}, { A: "1" }]);
    const warnings = (r.warnings ?? []).filter((w) => w.code === "bare-environment");
    expect(warnings.map((w) => `${w.path}:${w.line}:${w.col}`)).toEqual([
      "services/a.yaml:5:3",
      "stacks/s/compose.yaml:6:9",
    ]);
    expect(warnings[0]?.message).toContain("UNSET_TOO: value");
    expect(warnings[1]?.message).toMatch(/variables:.*\.env.*UNSET=value/);
  });
});

describe("relative bind mounts", () => {
  const compose = lines(
    "services:", // 1
    "  w:", // 2
    "    image: x:1", // 3
    "    volumes:", // 4
    "      - ./data/db:/var/lib/db", // 5
    "      - type: bind", // 6
    "        source: ./nginx.conf", // 7
    "        target: /etc/nginx/nginx.conf", // 8
    "        read_only: true", // 9
    "      - ./conf:/etc/app:ro", // 10
  );

  it("in a stack: a path the commit holds is copied in, one it does not is a host-local named volume", () => {
    const r = loadSpec(
      new Map(
        Object.entries(
          repo({
            "stacks/s/compose.yaml": compose,
            "stacks/s/nginx.conf": "worker_processes 1;\n",
            "stacks/s/conf/a.yml": "a: 1\n",
            "stacks/s/conf/sub/b.yml": "b: 2\n",
          }),
        ),
      ),
    );
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const w = r.state.services[0];
    expect(w?.volumes).toEqual([
      { type: "volume", source: "s_data-db", target: "/var/lib/db", readOnly: false },
    ]);
    expect(r.state.cluster.volumes?.["s_data-db"]).toMatchObject({ driver: "local", recreatable: false });
    expect(
      w?.files?.map((f) => [f.target, Buffer.from(f.contentBase64, "base64").toString(), f.mode]),
    ).toEqual([
      ["/etc/nginx/nginx.conf", "worker_processes 1;\n", 0o555],
      ["/etc/app/a.yml", "a: 1\n", 0o555],
      ["/etc/app/sub/b.yml", "b: 2\n", 0o555],
    ]);
    expect(
      (r.warnings ?? []).filter((x) => x.code === "bind-mount-mapped").map((x) => `${x.line}:${x.col}`),
    ).toEqual(["5:9", "6:9", "10:9"]);
  });

  it("refuses a path leaving the stack's folder, files in a read_only container, and relative paths in services/", () => {
    const errors = errorsOf(
      repo({
        "stacks/s/compose.yaml": lines(
          "services:", // 1
          "  w:", // 2
          "    image: x:1", // 3
          "    read_only: true", // 4
          "    volumes:", // 5
          "      - ../other/x:/x", // 6
          "      - ./f:/f", // 7
        ),
        "stacks/s/f": "x",
        "services/a.yaml": service("a", 'volumes: ["./data:/data"]'),
      }),
    );
    expect(where(errors)).toEqual([
      "services/a.yaml:4:11 relative-bind-mount",
      "stacks/s/compose.yaml:6:9 relative-bind-mount",
      "stacks/s/compose.yaml:7:9 relative-bind-mount",
    ]);
    expect(errors[0]?.message).toContain('"data:/data" with data: declared under the top-level volumes:');
    expect(errors[0]?.message).toContain("configs: (data: {file: ./data})");
    expect(errors[1]?.message).toContain("leaves the stack's folder stacks/s/");
    expect(errors[2]?.message).toContain("read_only");
  });
});

describe("positions after an invalid list entry", () => {
  it("point at the entry a rule is about, not at its index among the valid ones", () => {
    const errors = errorsOf(
      repo({
        "services/a.yaml": service(
          "a", // 1-3
          "ports:", // 4
          "  - '99999:80'", // 5: bad-port, left out
          "  - '8080:80'", // 6
          "volumes:", // 7
          "  - ./rel:/rel", // 8: refused, left out
          "  - /etc/host:/h", // 9: ceiling
        ),
        "services/b.yaml": service("b", "ports: ['8080:81']"),
      }),
    );
    expect(where(errors)).toEqual([
      "services/a.yaml:5:5 bad-port",
      "services/a.yaml:8:5 relative-bind-mount",
      "services/a.yaml:9:5 ceiling-bind-mount",
      "services/b.yaml:4:9 port-conflict",
    ]);
    expect(errors.find((e) => e.code === "port-conflict")?.message).toContain("services/a.yaml:6:");
  });

  it("accepts Compose service names in depends_on and says what a bad one is", () => {
    const errors = errorsOf(
      repo({
        "stacks/s/compose.yaml": lines(
          "services:", // 1
          "  web:", // 2
          "    image: x:1", // 3
          "    depends_on:", // 4
          "      db_1: {condition: service_healthy}", // 5
          "      DB_1: {condition: service_healthy}", // 6: Compose allows capitals; the same service
          "      -db: {condition: service_healthy}", // 7
          "  db_1:", // 8
          "    image: x:1", // 9
        ),
      }),
    );
    expect(where(errors)).toEqual(["stacks/s/compose.yaml:7:7 schema"]);
    expect(errors[0]?.message).toMatch(/^depends_on names "-db", which is not a service name/);
  });
});

describe("profiles in a stack", () => {
  const compose = lines(
    "services:", // 1
    "  web:", // 2
    "    image: x:1", // 3
    "  debug:", // 4
    "    image: x:1", // 5
    "    profiles: [debug]", // 6
    "  gpu:", // 7
    "    image: x:1", // 8
    "    profiles: [gpu, all]", // 9
  );

  it("deploys a service with profiles only when COMPOSE_PROFILES names one, as docker compose", () => {
    const none = loadSpec(new Map(Object.entries(repo({ "stacks/s/compose.yaml": compose }))));
    if (!none.ok) throw new Error(JSON.stringify(none.errors));
    expect(none.state.services.map((s) => s.name)).toEqual(["s_web"]);
    expect(
      (none.warnings ?? []).filter((w) => w.code === "profile-inactive").map((w) => `${w.line}:${w.col}`),
    ).toEqual(["6:5", "9:5"]);
    const fromEnv = stateOf(
      repo({ "stacks/s/compose.yaml": compose, "stacks/s/.env": "COMPOSE_PROFILES=all\n" }),
    );
    expect(fromEnv.services.map((s) => s.name)).toEqual(["s_gpu", "s_web"]);
    const all = loadSpec(new Map(Object.entries(repo({ "stacks/s/compose.yaml": compose }))), {
      variables: { COMPOSE_PROFILES: "*" },
    });
    expect(all.ok && all.state.services.map((s) => s.name)).toEqual(["s_debug", "s_gpu", "s_web"]);
  });
});

describe("short ports", () => {
  it("accept an empty host IP (what ${IP-}:2283:2283 gives when IP is unset)", () => {
    const state = stateOf(
      repo({
        "services/a.yaml": service("a", 'ports: [":2283:2283", "127.0.0.1::81", "8080:80", "9000"]'),
      }),
    );
    expect(state.services[0]?.ports.map((p) => [p.published, p.target])).toEqual([
      [2283, 2283],
      [undefined, 81],
      [8080, 80],
      [undefined, 9000],
    ]);
  });
});

describe("expose in a stack", () => {
  it("makes each exposed TCP port one the service is found on by name (a port without a published one)", () => {
    const state = stateOf(
      repo({
        "stacks/s/compose.yaml": lines(
          "services:",
          "  db:",
          "    image: x:1",
          "    expose: [5432, '9000/tcp', '53/udp', '8000-8010']",
          "    ports: ['9000']",
        ),
        "services/a.yaml": service("a", "expose: [5432]"),
      }),
    );
    const [a, db] = state.services;
    expect(db?.ports).toEqual([
      { target: 9000, protocol: "tcp", mode: "ingress" },
      { target: 5432, protocol: "tcp", mode: "ingress" },
    ]);
    // services/ documents keep expose as documentation (their hash unchanged).
    expect(a?.ports).toEqual([]);
  });
});

describe("secrets in a stack", () => {
  it("places store secrets (external: true) as files, at /run/secrets/<name> or target:", () => {
    const state = stateOf(
      repo({
        "stacks/s/compose.yaml": lines(
          "services:",
          "  db:",
          "    image: x:1",
          "    environment: [POSTGRES_PASSWORD_FILE=/run/secrets/db_password]",
          "    secrets:",
          "      - db_password",
          "      - {source: api_key, target: /etc/app/key, mode: 0400, uid: '70'}",
          "secrets:",
          "  db_password: {external: true}",
          "  api_key: {external: true, name: shop/api-key}",
        ),
      }),
    );
    expect(state.services[0]?.secretFiles).toEqual([
      { target: "/run/secrets/db_password", secret: "db_password", mode: 0o444, uid: 0, gid: 0 },
      { target: "/etc/app/key", secret: "shop/api-key", mode: 0o400, uid: 70, gid: 0 },
    ]);
  });

  it("refuses values from the repository, undeclared secrets, and secrets in services/ documents", () => {
    const errors = errorsOf(
      repo({
        "stacks/s/compose.yaml": lines(
          "services:", // 1
          "  db:", // 2
          "    image: x:1", // 3
          "    secrets: [pw, nope]", // 4
          "secrets:", // 5
          "  pw:", // 6
          "    file: ./pw.txt", // 7
          "  env:", // 8
          "    environment: PW", // 9
        ),
        "services/a.yaml": service("a", "secrets: [pw]"),
      }),
    );
    expect(where(errors)).toEqual([
      "services/a.yaml:4:1 unsupported-key",
      // pw is refused at its declaration (7:5), not again where the service names it.
      "stacks/s/compose.yaml:4:19 unknown-config",
      "stacks/s/compose.yaml:7:5 unsupported-config",
      "stacks/s/compose.yaml:9:5 unsupported-config",
    ]);
    const text = errors.map((e) => e.message).join("\n");
    expect(text).toContain("put it in the operator's secret store");
    expect(text).toContain("env_secrets");
  });
});
