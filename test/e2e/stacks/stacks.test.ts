// A Compose file deployed as a stack on the three-host test bed: its services
// converge healthy across the hosts, and each reaches the others by their
// Compose names on the stack's network (the client's healthcheck fetches
// http://web:8080/ and, from a service that only expose:s its port,
// http://cache:6379/, from every host, so "healthy" means the names resolved
// and a replica answered, wherever it runs). env_file, a ./file bind mount of
// the stack's folder and a secret of the operator's store reach the containers.

import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseDocument } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerFor, hostNamed, resetTestbed } from "../../support/testbed.js";
import { clusterYaml, managed, OperatorWorld, serving, waitFor } from "../operator/support.js";

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
    const web = await waitFor(
      "shop_web 2/2 healthy",
      async () => {
        const list = serving(await managed("shop_web"));
        return list.length === 2 ? list : undefined;
      },
      120_000,
    );
    expect(web).toHaveLength(2);
    const clients = await waitFor(
      "shop_client healthy on every host",
      async () => {
        const list = serving(await managed("shop_client"));
        return list.length === 3 && list.every((c) => c.health === "healthy") ? list : undefined;
      },
      120_000,
    );
    expect(new Set(clients.map((c) => c.host))).toEqual(new Set(["h1", "h2", "h3"]));
    await waitFor("status Synced", async () =>
      (await world.status("status/cluster.yaml")).includes("sync: Synced"),
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
 * Public Compose files of test/fixtures/compose/ as they are, except each image: no registry
 * serves them here, so every service runs the test bed's busybox serving HTTP on the service's
 * first port, with a healthcheck on it (its command, entrypoint and healthcheck go with the
 * image). Networks, volumes, environment, .env interpolation, depends_on, container_name,
 * restart and ./path bind mounts stay as published.
 */
const PUBLIC = ["wordpress-mysql", "postgresql-pgadmin", "prometheus-grafana"];
const FIXTURES = resolve(import.meta.dirname, "../../fixtures/compose");

async function standIn(folder: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const path = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) await walk(join(dir, e.name), path);
      else out[`stacks/${folder}/${path}`] = await readFile(join(dir, e.name), "utf8");
    }
  };
  await walk(join(FIXTURES, folder), "");
  const key = `stacks/${folder}/compose.yaml`;
  const doc = parseDocument(out[key] ?? "");
  const services = doc.get("services") as { items: { key: { value: string } }[] };
  for (const item of services.items) {
    const name = item.key.value;
    const svc = doc.getIn(["services", name], true) as { toJSON(): Record<string, unknown> };
    const value = svc.toJSON();
    const first = [...((value["ports"] as unknown[]) ?? []), ...((value["expose"] as unknown[]) ?? [])][0];
    const port =
      String(first ?? "8080")
        .split(":")
        .pop()
        ?.split("/")[0] ?? "8080";
    doc.setIn(["services", name, "image"], "gitfleet/busybox:1.35");
    for (const k of ["command", "entrypoint", "healthcheck"]) doc.deleteIn(["services", name, k]);
    doc.setIn(
      ["services", name, "command"],
      [
        "sh",
        "-c",
        `trap 'exit 0' TERM; mkdir -p /tmp/www && echo ${name} > /tmp/www/index.html; httpd -f -p ${port} -h /tmp/www & wait`,
      ],
    );
    doc.setIn(["services", name, "healthcheck"], {
      test: ["CMD", "wget", "-qO-", `http://127.0.0.1:${port}/`],
      interval: "1s",
      timeout: "5s",
      retries: 3,
    });
  }
  out[key] = doc.toString();
  return out;
}

describe("public Compose files as stacks on three Docker hosts", () => {
  it("deploy with their images stood in for and converge healthy", async () => {
    const files: Record<string, string> = {};
    for (const f of PUBLIC) Object.assign(files, await standIn(f));
    await world.push(files, "deploy three public Compose files as stacks");
    const expected = [
      "wordpress-mysql_db",
      "wordpress-mysql_wordpress",
      "postgresql-pgadmin_postgres",
      "postgresql-pgadmin_pgadmin",
      "prometheus-grafana_prometheus",
      "prometheus-grafana_grafana",
    ];
    const all = await waitFor(
      "every public stack's service healthy",
      async () => {
        const list = serving(await managed()).filter((c) => expected.includes(c.service));
        const healthy = new Set(list.filter((c) => c.health === "healthy").map((c) => c.service));
        return expected.every((s) => healthy.has(s)) ? list : undefined;
      },
      180_000,
    );
    expect(new Set(all.map((c) => c.service))).toEqual(new Set(expected));
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
    await waitFor("status Synced", async () =>
      (await world.status("status/cluster.yaml")).includes("sync: Synced"),
    );
  });
});
