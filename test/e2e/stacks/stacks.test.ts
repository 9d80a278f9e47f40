// A Compose file deployed as a stack on the three-host test bed: its services
// converge healthy across the hosts, and each reaches the others by their
// Compose names on the stack's network (the client's healthcheck fetches
// http://web:8080/ and, from a service that only expose:s its port,
// http://cache:6379/, from every host, so "healthy" means the names resolved
// and a replica answered, wherever it runs). env_file, a ./file bind mount of
// the stack's folder and a secret of the operator's store reach the containers.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerFor, hostNamed, resetTestbed, TESTBED } from "../../support/testbed.js";
import { publicStack, standInImages, standInTag } from "../../support/compose-stand-in.js";
import { BED_POLL, clusterYaml, managed, OperatorWorld, serving } from "../operator/support.js";
import { pollUntil } from "../../support/poll.js";

let world: OperatorWorld;
const DB_PASSWORD = `pw-${Date.now().toString(36)}`;

const COMPOSE = `services:
  web:
    image: gitfleet/web:1
    restart: unless-stopped
    ports: ["8080"]
    healthcheck:
      test: ["CMD", "wget", "-qO-", "http://127.0.0.1:8080/health"]
      interval: 1s
      timeout: 5s
      retries: 3
    deploy:
      replicas: 2
  cache:
    image: gitfleet/busybox:1.35
    command: ["sh", "-c", "trap 'exit 0' TERM; mkdir -p /data && echo cached > /data/index.html; httpd -f -p 6379 -h /data & wait"]
    expose: ["6379"]
  client:
    image: gitfleet/toolbox:1
    container_name: client
    env_file: client.env
    environment:
      - TARGET=http://web:8080/health
    volumes:
      - ./motd.txt:/etc/motd.txt:ro
    secrets:
      - db_password
    depends_on:
      web:
        condition: service_healthy
      cache:
        condition: service_started
    healthcheck:
      test: ["CMD-SHELL", "curl -sf --max-time 3 $$TARGET >/dev/null && curl -sf --max-time 3 http://cache:6379/ >/dev/null && getent hosts shop_web >/dev/null"]
      interval: 1s
      timeout: 5s
      retries: 3
    deploy:
      mode: global
secrets:
  db_password:
    external: true
    name: shop-db-password
`;

beforeAll(async () => {
  await resetTestbed();
  world = await OperatorWorld.create({ "shop-db-password": DB_PASSWORD });
  await world.push(
    {
      "cluster.yaml": clusterYaml(),
      "stacks/shop/compose.yaml": COMPOSE,
      "stacks/shop/client.env": "GREETING=hello-from-env-file\n",
      "stacks/shop/motd.txt": "welcome\n",
    },
    "deploy the shop stack",
  );
  world.startOperator();
});

afterAll(async () => {
  await world?.close();
});

describe("a Compose file as a stack on three Docker hosts", () => {
  it("converges healthy, each service reaching the others by its Compose name from every host", async () => {
    const web = await pollUntil(
      "shop_web 2/2 healthy",
      async () => {
        const list = serving(await managed("shop_web"));
        return list.length === 2 ? list : undefined;
      },
      { ...BED_POLL, timeoutMs: 120_000 },
    );
    expect(web).toHaveLength(2);
    const clients = await pollUntil(
      "shop_client healthy on every host",
      async () => {
        const list = serving(await managed("shop_client"));
        return list.length === 3 && list.every((c) => c.health === "healthy") ? list : undefined;
      },
      { ...BED_POLL, timeoutMs: 120_000 },
    );
    expect(new Set(clients.map((c) => c.host))).toEqual(new Set(["h1", "h2", "h3"]));
    await pollUntil(
      "status Synced",
      async () => (await world.status("status/cluster.yaml")).includes("sync: Synced"),
      BED_POLL,
    );
  });

  it("hands the env_file's variables, the stack folder's file and the store's secret to the containers", async () => {
    const [client] = serving(await managed("shop_client"));
    const docker = dockerFor(hostNamed(client?.host ?? "h1"));
    const info = await docker.getContainer(client?.id ?? "").inspect();
    expect(info.Config.Env).toContain("GREETING=hello-from-env-file");
    expect(JSON.stringify(info)).not.toContain(DB_PASSWORD);
    const exec = await docker.getContainer(client?.id ?? "").exec({
      Cmd: ["cat", "/etc/motd.txt", "/run/secrets/db_password"],
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = await exec.start({});
    const out = await new Promise<string>((resolve) => {
      let text = "";
      stream.on("data", (b: Buffer) => (text += b.toString("utf8")));
      stream.on("end", () => resolve(text));
    });
    expect(out).toContain("welcome");
    expect(out).toContain(DB_PASSWORD);
  });
});

/**
 * Public Compose files (test/fixtures/compose/ and the corpus of test/fixtures/compose-corpus/) as
 * they are, byte for byte, except each service's image: no registry serves them here, so every
 * image is a stand-in built on the hosts from the test bed's busybox (standInImages). The
 * stand-in runs whatever command the file gives it as arguments it ignores, and listens on the
 * service's ports (ports:, expose:, and those its own healthcheck connects to), answering HTTP 200
 * "OK"; its image carries curl, pg_isready, redis-cli and mysqladmin that check the port they name
 * the way the real tools would (a connection accepted, an answer read), and a HEALTHCHECK of its
 * ports for services whose file gives none (or `disable: false`). So each file's healthchecks run
 * as written and pass only when the stand-in listens where the file says.
 *
 * One ingress port per cluster: stacks publishing the same port (80, 3000: docker stack deploy on
 * one swarm refuses that too) cannot be in one commit, so three commits in the one operator run
 * deploy the twelve stacks: the first holds eight, the next two each swap the two holders of 80
 * and 3000 for two others.
 */
const WAVES: readonly (readonly string[])[] = [
  [
    "compose/elasticsearch-logstash-kibana",
    "compose/wordpress-mysql",
    "compose/postgresql-pgadmin",
    "compose/prometheus-grafana",
    "compose-corpus/immich-release",
    "compose-corpus/uptime-kuma",
    "compose-corpus/paperless-ngx",
    "compose-corpus/mattermost",
  ],
  ["compose/nextcloud-redis-mariadb", "compose/gitea-postgres"],
  ["compose/nextcloud-postgres", "compose-corpus/umami"],
];
/** Before wave i: the stacks that leave (they hold 80 and 3000, which wave i's stacks publish). */
const LEAVING: Record<number, readonly string[]> = {
  1: ["wordpress-mysql", "prometheus-grafana"],
  2: ["nextcloud-redis-mariadb", "gitea-postgres"],
};
describe("public Compose files as stacks on three Docker hosts", () => {
  it("deploy with their images stood in for, and converge healthy with their own healthchecks", async () => {
    const waves = await Promise.all(WAVES.map((w) => Promise.all(w.map(publicStack))));
    const portSets = new Map<string, readonly number[]>();
    for (const st of waves.flat())
      for (const ports of Object.values(st.services)) portSets.set(standInTag(ports), ports);
    await standInImages(
      TESTBED.hosts.map((h) => dockerFor(h)),
      portSets,
    );
    const byName = new Map(waves.flat().map((st) => [st.stack, st]));
    const converged = new Set<string>();
    for (const [i, wave] of waves.entries()) {
      const files: Record<string, string | null> = {};
      for (const gone of LEAVING[i] ?? [])
        for (const k of Object.keys(byName.get(gone)?.files ?? {})) files[k] = null;
      for (const st of wave) Object.assign(files, st.files);
      const names = wave.map((w) => w.stack).join(", ");
      await world.push(files, `public Compose files, wave ${i + 1}: ${names}`);
      const expected = wave.flatMap((st) => Object.keys(st.services));
      const all = await pollUntil(
        `wave ${i + 1}: every service of ${names} running and healthy`,
        async () => {
          const list = (await managed()).filter((c) => expected.includes(c.service) && c.state === "running");
          const healthy = new Set(list.filter((c) => c.health === "healthy").map((c) => c.service));
          return expected.every((s) => healthy.has(s)) ? list : undefined;
        },
        { ...BED_POLL, timeoutMs: 360_000 },
      );
      for (const st of wave) converged.add(st.stack);
      if (i === 0) {
        // ./prometheus (a folder of the stack) is in the container as files.
        const [prom] = all.filter((c) => c.service === "prometheus-grafana_prometheus");
        const docker = dockerFor(hostNamed(prom?.host ?? "h1"));
        const exec = await docker.getContainer(prom?.id ?? "").exec({
          Cmd: ["cat", "/etc/prometheus/prometheus.yml"],
          AttachStdout: true,
        });
        const stream = await exec.start({});
        const text = await new Promise<string>((done) => {
          let t = "";
          stream.on("data", (b: Buffer) => (t += b.toString("utf8")));
          stream.on("end", () => done(t));
        });
        expect(text).toContain("scrape_configs");
      }
    }
    expect(converged.size).toBeGreaterThanOrEqual(12);
    await pollUntil(
      "status Synced",
      async () => (await world.status("status/cluster.yaml")).includes("sync: Synced"),
      BED_POLL,
    );
  }, 900_000);
});
