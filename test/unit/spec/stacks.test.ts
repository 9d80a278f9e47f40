// Stacks: stacks/<stack>/compose.yaml loaded as it is, like `docker stack
// deploy`: services named <stack>_<service>, joined to their stack's networks
// (reachable there by their Compose names), stack-scoped named volumes, and
// every problem at its place in the Compose file.

import { describe, expect, it } from "vitest";
import type { SpecError } from "../../../src/model/spec.js";
import { errorsOf, lines, load, repo, service, stateOf } from "./helpers.js";

const SHOP = lines(
  "services:", // 1
  "  web:", // 2
  "    image: shop/web:1", // 3
  "    ports: ['8080:80']", // 4
  "    depends_on: [db]", // 5
  "    networks: [front, back]", // 6
  "  db:", // 7
  "    image: postgres:16", // 8
  "    volumes: ['data:/var/lib/postgresql/data']", // 9
  "    networks:", // 10
  "      back:", // 11
  "        aliases: [database]", // 12
  "networks:", // 13
  "  front: {}", // 14
  "  back: {}", // 15
  "volumes:", // 16
  "  data: {}", // 17
);

/** Problems as path:line:col code, leaving out the test cluster's own (its tcp:// engine). */
function where(errors: readonly SpecError[]): string[] {
  return errors.filter((e) => e.path !== "cluster.yaml").map((e) => `${e.path}:${e.line}:${e.col} ${e.code}`);
}

describe("stacks", () => {
  it("deploys each service as <stack>_<service>, on its stack's networks, with its Compose name as an alias", () => {
    const state = stateOf(repo({ "stacks/shop/compose.yaml": SHOP }));
    expect(state.services.map((s) => s.name)).toEqual(["shop_db", "shop_web"]);
    const [db, web] = state.services;
    expect(web?.stack).toEqual({ name: "shop", service: "web" });
    expect(web?.dependsOn).toEqual(["shop_db"]);
    expect(web?.networks).toEqual([
      { name: "shop_back", aliases: ["shop_web", "web"] },
      { name: "shop_front", aliases: ["shop_web", "web"] },
    ]);
    expect(db?.networks).toEqual([{ name: "shop_back", aliases: ["database", "db", "shop_db"] }]);
    expect(db?.volumes).toEqual([
      { type: "volume", source: "shop_data", target: "/var/lib/postgresql/data", readOnly: false },
    ]);
    expect(state.cluster.volumes?.["shop_data"]).toMatchObject({ driver: "local", recreatable: false });
    expect(web?.source).toEqual({ path: "stacks/shop/compose.yaml", line: 3, col: 5 });
  });

  it("puts a service that names no network on its stack's default network", () => {
    const state = stateOf(repo({ "stacks/a/compose.yml": lines("services:", "  web:", "    image: x:1") }));
    expect(state.services[0]?.networks).toEqual([{ name: "a_default", aliases: ["a_web", "web"] }]);
  });

  it("keeps two stacks apart: the same service and volume names never collide", () => {
    const one = lines(
      "services:",
      "  web:",
      "    image: x:1",
      "    volumes: [data:/d]",
      "volumes:",
      "  data:",
    );
    const state = stateOf(repo({ "stacks/a/compose.yaml": one, "stacks/b/compose.yaml": one }));
    expect(state.services.map((s) => [s.name, s.networks?.[0]?.name, s.volumes[0]?.source])).toEqual([
      ["a_web", "a_default", "a_data"],
      ["b_web", "b_default", "b_data"],
    ]);
  });

  it("shares a network between stacks only when both name it (external, or the same name:)", () => {
    const a = lines(
      "services:",
      "  api:",
      "    image: x:1",
      "    networks: [default, shared]",
      "networks:",
      "  shared: {external: true}",
    );
    const b = lines(
      "services:",
      "  client:",
      "    image: x:1",
      "    networks: [mesh]",
      "networks:",
      "  mesh: {external: true, name: shared}",
    );
    const state = stateOf(repo({ "stacks/a/compose.yaml": a, "stacks/b/compose.yaml": b }));
    const nets = Object.fromEntries(state.services.map((s) => [s.name, s.networks?.map((n) => n.name)]));
    expect(nets).toEqual({ a_api: ["a_default", "shared"], b_client: ["shared"] });
  });

  it("keeps services/ documents as they were: no stack, no networks, same hash", () => {
    const plain = stateOf(repo({ "services/api.yaml": service("api") })).services[0];
    const beside = stateOf(repo({ "services/api.yaml": service("api"), "stacks/shop/compose.yaml": SHOP }));
    const api = beside.services.find((s) => s.name === "api");
    expect(api?.networks).toBeUndefined();
    expect(api?.stack).toBeUndefined();
    expect(api?.specHash).toBe(plain?.specHash);
  });

  it("reports problems at their place in the Compose file", () => {
    const bad = lines(
      "services:", // 1
      "  web:", // 2
      "    image: x:1", // 3
      "    networks: [frnt]", // 4
      "    volumes: [cache:/c]", // 5
      "    depends_on: [dbb]", // 6
      "  db:", // 7
      "    imag: postgres", // 8
      "networks:", // 9
      "  front:", // 10
    );
    const errors = errorsOf(repo({ "stacks/shop/compose.yaml": bad }));
    expect(where(errors)).toEqual([
      "stacks/shop/compose.yaml:4:16 unknown-network",
      "stacks/shop/compose.yaml:5:15 unknown-volume",
      "stacks/shop/compose.yaml:6:18 depends-on-unknown",
      "stacks/shop/compose.yaml:8:5 schema",
      "stacks/shop/compose.yaml:8:5 unknown-key",
    ]);
    expect(errors[0]?.message).toContain('did you mean "front"?');
    expect(errors[2]?.message).toContain("shop_dbb");
  });

  it("refuses a second Compose file in one stack folder, and bad stack or service names", () => {
    const one = lines("services:", "  web:", "    image: x:1");
    expect(
      where(errorsOf(repo({ "stacks/a/compose.yaml": one, "stacks/a/docker-compose.yml": one }))),
    ).toEqual(["stacks/a/docker-compose.yml:1:1 multiple-compose-files"]);
    expect(where(errorsOf(repo({ "stacks/My_Stack/compose.yaml": one })))).toEqual([
      "stacks/My_Stack/compose.yaml:1:1 invalid-name",
    ]);
    const bad = lines("services:", "  -web:", "    image: x:1");
    expect(where(errorsOf(repo({ "stacks/a/compose.yaml": bad })))).toEqual([
      "stacks/a/compose.yaml:2:3 invalid-name",
    ]);
  });

  it("takes service names with capitals, as Compose does, and names them in lowercase in the cluster", () => {
    // 4ga Boards' own file names its service "4gaBoards"; Compose's schema allows [a-zA-Z0-9._-].
    const file = lines(
      "services:", // 1
      "  4gaBoards:", // 2
      "    image: x:1", // 3
      "    depends_on: [DB]", // 4
      "  DB:", // 5
      "    image: postgres:16", // 6
      "  client:", // 7
      "    image: x:1", // 8
      "    depends_on:", // 9
      "      4gaBoards: {condition: service_started}", // 10
    );
    const state = stateOf(repo({ "stacks/boards/compose.yaml": file }));
    expect(state.services.map((s) => s.name)).toEqual(["boards_4gaboards", "boards_client", "boards_db"]);
    const [boards, client] = state.services;
    expect(boards?.stack).toEqual({ name: "boards", service: "4gaBoards" });
    expect(boards?.dependsOn).toEqual(["boards_db"]);
    expect(client?.dependsOn).toEqual(["boards_4gaboards"]);
    // Docker's DNS answers any case of a name: the alias is the lowercase one.
    expect(boards?.networks).toEqual([
      { name: "boards_default", aliases: ["4gaboards", "boards_4gaboards"] },
    ]);
  });

  it("refuses two services whose names differ only in case (one name in the cluster), at the second", () => {
    const file = lines("services:", "  web:", "    image: x:1", "  Web:", "    image: x:2");
    const errors = errorsOf(repo({ "stacks/a/compose.yaml": file }));
    expect(where(errors)).toEqual(["stacks/a/compose.yaml:4:3 invalid-name"]);
    expect(errors[0]?.message).toBe(
      'service "Web" and service "web" are both "a_web" in the cluster (names are not case-sensitive there, as in DNS): rename one',
    );
  });

  it("refuses network_mode: service:/container:/none at the key, saying to remove it (the service then joins the stack's networks)", () => {
    const file = lines(
      "services:", // 1
      "  workspace:", // 2
      "    image: x:1", // 3
      "  playwright:", // 4
      "    image: y:1", // 5
      "    network_mode: service:workspace", // 6
      "  other:", // 7
      "    image: y:1", // 8
      "    network_mode: none", // 9
    );
    const errors = errorsOf(repo({ "stacks/a/compose.yaml": file }));
    expect(where(errors)).toEqual([
      "stacks/a/compose.yaml:6:5 unsupported-config",
      "stacks/a/compose.yaml:9:5 unsupported-config",
    ]);
    expect(errors[0]?.message).toBe(
      "network_mode: service:workspace is not supported: it shares the network namespace of another service's container, which must then run on the same host, and gitfleet places each service's replicas on their own: remove network_mode, so the service joins the stack's networks and reaches workspace by its name (publish or expose the ports it listens on there)",
    );
    expect(errors[1]?.message).toBe(
      "network_mode: none is not supported (only host, within the operator's ceiling): remove network_mode, so the service joins the stack's networks",
    );
  });

  it("says a ~ bind mount is a home folder the hosts do not have, not a path beside the Compose file", () => {
    // aleph's shell service mounts "~:/host".
    const file = lines(
      "services:",
      "  shell:",
      "    image: x:1",
      "    volumes:",
      '      - "~:/host"',
      "      - ~/.ssh:/root/.ssh:ro",
    );
    const errors = errorsOf(repo({ "stacks/a/compose.yaml": file }));
    expect(where(errors)).toEqual([
      "stacks/a/compose.yaml:5:9 relative-bind-mount",
      "stacks/a/compose.yaml:6:9 relative-bind-mount",
    ]);
    expect(errors[0]?.message).toBe(
      'volumes[0]: "~" is the home folder of the user who runs docker compose, and no user runs the stack on gitfleet\'s hosts. To give the container a folder of its host, write the folder\'s absolute path (bind mounts stay within ceiling.allow_bind_mounts in the operator configuration); for data the service writes, use a named volume: "home:/host" with home: declared under the top-level volumes:',
    );
    expect(errors[1]?.message).toContain('use a named volume: "ssh:/root/.ssh"');
    for (const e of errors) expect(e.message).not.toContain("beside the Compose file");
  });

  it("refuses unknown top-level keys and include, and warns about settings that mean nothing across hosts", () => {
    const file = lines(
      "version: '3.8'", // 1
      "name: other", // 2
      "include: [x.yaml]", // 3
      "servics: {}", // 4
      "services:", // 5
      "  web:", // 6
      "    image: x:1", // 7
      "    networks:", // 8
      "      default: {ipv4_address: 10.0.0.9}", // 9
      "networks:", // 10
      "  default: {driver: overlay, attachable: true}", // 11
    );
    const r = load(repo({ "stacks/a/compose.yaml": file }));
    expect(r.ok).toBe(false);
    expect(where(r.ok ? [] : r.errors)).toEqual([
      "stacks/a/compose.yaml:3:1 unknown-key",
      "stacks/a/compose.yaml:4:1 unknown-key",
    ]);
    expect(r.ok ? "" : r.errors[1]?.message).toContain('did you mean "services"?');
    expect(where(r.warnings ?? [])).toEqual([
      "stacks/a/compose.yaml:2:7 no-effect",
      "stacks/a/compose.yaml:9:17 no-effect",
      "stacks/a/compose.yaml:11:13 no-effect",
      "stacks/a/compose.yaml:11:30 no-effect",
    ]);
  });

  it("warns about a stack folder without a Compose file and a Compose file outside stacks/", () => {
    const r = load(
      repo({
        "services/api.yaml": service("api"),
        "stacks/shop/nginx.conf": "server {}\n",
        "stack/shop/compose.yaml": "services: {}\n",
      }),
    );
    expect(where(r.warnings ?? [])).toEqual([
      "stack/shop/compose.yaml:1:1 ignored-file",
      "stacks/shop:0:0 ignored-file",
    ]);
    const ignored = (r.warnings ?? []).filter((w) => w.code === "ignored-file");
    expect(ignored[0]?.message).toContain("move it to stacks/shop/compose.yaml");
    expect(ignored[1]?.message).toContain("has no Compose file");
  });
});

describe("stack configs", () => {
  const compose = lines(
    "services:", // 1
    "  web:", // 2
    "    image: nginx:1", // 3
    "    configs:", // 4
    "      - site", // 5
    "      - {source: banner, target: /etc/motd, mode: 0440}", // 6
    "configs:", // 7
    "  site: {file: ./conf/site.conf}", // 8
    "  banner: {content: hello}", // 9
  );

  it("places a config from the stack's folder or inline as a file in the container", () => {
    const state = stateOf(
      repo({ "stacks/a/compose.yaml": compose, "stacks/a/conf/site.conf": "server {}\n" }),
    );
    const files = state.services[0]?.files ?? [];
    expect(
      files.map((f) => [f.target, Buffer.from(f.contentBase64, "base64").toString(), f.mode.toString(8)]),
    ).toEqual([
      ["/site", "server {}\n", "444"],
      ["/etc/motd", "hello", "440"],
    ]);
  });

  it("replaces the replicas when a config file changes (the content is in the spec hash)", () => {
    const one = stateOf(repo({ "stacks/a/compose.yaml": compose, "stacks/a/conf/site.conf": "server {}\n" }));
    const two = stateOf(
      repo({ "stacks/a/compose.yaml": compose, "stacks/a/conf/site.conf": "server { listen 81; }\n" }),
    );
    expect(one.services[0]?.specHash).not.toBe(two.services[0]?.specHash);
  });

  it("refuses configs from outside the repository or the stack's folder, and unknown ones", () => {
    const bad = lines(
      "services:", // 1
      "  web:", // 2
      "    image: nginx:1", // 3
      "    configs: [nope, up]", // 4
      "configs:", // 5
      "  ext: {external: true}", // 6
      "  up: {file: ../other/x.conf}", // 7
      "  missing: {file: gone.conf}", // 8
    );
    const errors = errorsOf(repo({ "stacks/a/compose.yaml": bad, "stacks/other/x.conf": "x" }));
    expect(where(errors)).toEqual([
      "stacks/a/compose.yaml:4:15 unknown-config",
      "stacks/a/compose.yaml:4:21 unknown-config",
      "stacks/a/compose.yaml:6:9 unsupported-config",
      "stacks/a/compose.yaml:7:8 unknown-config",
      "stacks/a/compose.yaml:8:13 unknown-config",
    ]);
    expect(errors[2]?.message).toContain(
      "write it in a file of the stack's folder (file:) or inline (content:)",
    );
    expect(errors[3]?.message).toContain("outside the stack's folder");
  });
});

describe("a stack's service that lists no port", () => {
  it("is not warned about: its image's EXPOSE is served by name once a host has the image", () => {
    const r = load(repo({ "stacks/shop/compose.yaml": SHOP }));
    expect(r.ok).toBe(true);
    expect((r.warnings ?? []).map((w) => w.code)).not.toContain("unreachable-by-name");
  });
});
