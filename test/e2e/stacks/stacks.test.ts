// A Compose file deployed as a stack on the three-host test bed: its services
// converge healthy across the hosts, and each reaches the others by their
// Compose names on the stack's network (the client's healthcheck fetches
// http://web:8080/ and, from a service that only expose:s its port,
// http://cache:6379/, from every host, so "healthy" means the names resolved
// and a replica answered, wherever it runs). env_file, a ./file bind mount of
// the stack's folder and a secret of the operator's store reach the containers.

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
