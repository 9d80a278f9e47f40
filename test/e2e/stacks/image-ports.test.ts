// A Compose file as public ones are written: its database lists no port (no ports:, no expose:),
// relying on its image's EXPOSE, as Compose users do. Deployed as a stack on the three-host test
// bed, the database runs on one host and a client on every host reaches it by its Compose name
// on that port (the client's healthcheck fetches http://db:5432/), so "healthy on every host"
// means the names edge of the stack's network serves the image's port and reaches the database
// on another host. The image is built here on each host from the test bed's busybox (no registry).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerFor, resetTestbed, TESTBED, TESTBED_IMAGES } from "../../support/testbed.js";
import { BED_POLL, clusterYaml, managed, OperatorWorld, serving } from "../operator/support.js";
import { pollUntil } from "../../support/poll.js";

let world: OperatorWorld;
const IMAGE = "gitfleet/exposing:1";

const COMPOSE = `services:
  db:
    image: ${IMAGE}
    restart: unless-stopped
  client:
    image: gitfleet/toolbox:1
    depends_on: [db]
    healthcheck:
      test: ["CMD-SHELL", "curl -sf --max-time 3 http://db:5432/ | grep -q answered-by-db"]
      interval: 1s
      timeout: 5s
      retries: 3
    deploy:
      mode: global
`;

/** On every host: busybox answering HTTP on 5432, a port only its image's EXPOSE names. */
async function buildExposingImage(): Promise<void> {
  await Promise.all(
    TESTBED.hosts.map(async (h) => {
      const docker = dockerFor(h);
      const c = await docker.createContainer({ Image: TESTBED_IMAGES.busybox, Cmd: ["true"] });
      try {
        await c.commit({
          repo: "gitfleet/exposing",
          tag: "1",
          changes: [
            "EXPOSE 5432",
            `CMD ["sh", "-c", "trap 'exit 0' TERM; mkdir -p /d && echo answered-by-db > /d/index.html; httpd -f -p 5432 -h /d & wait"]`,
          ],
        });
      } finally {
        await c.remove({ force: true });
      }
    }),
  );
}

beforeAll(async () => {
  await resetTestbed();
  await buildExposingImage();
  world = await OperatorWorld.create({});
  await world.push(
    { "cluster.yaml": clusterYaml(), "stacks/shop/compose.yaml": COMPOSE },
    "a database that lists no port",
  );
  world.startOperator();
});

afterAll(async () => {
  await world?.close();
});

describe("a stack's service that lists no port, whose image EXPOSEs one", () => {
  it("is reached by its Compose name on that port from every host", async () => {
    const [db] = await pollUntil(
      "shop_db running",
      async () => {
        const list = serving(await managed("shop_db"));
        return list.length === 1 ? list : undefined;
      },
      { ...BED_POLL, timeoutMs: 120_000 },
    );
    const clients = await pollUntil(
      "shop_client healthy on every host",
      async () => {
        const list = serving(await managed("shop_client"));
        return list.length === 3 && list.every((c) => c.health === "healthy") ? list : undefined;
      },
      { ...BED_POLL, timeoutMs: 180_000 },
    );
    // Two of the three clients run on a host without the database: reached across hosts.
    expect(clients.filter((c) => c.host !== db?.host)).toHaveLength(2);
    const status = await world.status("status/cluster.yaml");
    expect(status).not.toContain("unreachable-by-name");
  });
});
