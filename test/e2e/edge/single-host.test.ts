// The quick start's shape: one host whose address is 127.0.0.1. The edge runs
// in a container, where 127.0.0.1 is its own loopback, so it must reach the
// replicas on its host over the cluster network; the ingress port then answers
// on the host's 127.0.0.1 and balances over every replica. Run with the lock:
//   flock /run/gitfleet-e2e.lock env GITFLEET_TESTBED_KEEP=1 npx vitest run --project e2e test/e2e/edge/single-host.test.ts

import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetTestbed, TESTBED } from "../../support/testbed.js";
import { BED_POLL, managed, OperatorWorld, serving } from "../operator/support.js";
import { pollUntil } from "../../support/poll.js";
import { INGRESS_PORT, publishedWebYaml } from "./services.js";

const run = promisify(execFile);
const HOST = TESTBED.hosts[0];

function singleHostCluster(): string {
  return [
    "kind: Cluster",
    "name: e2e",
    "hosts:",
    `  - {name: ${HOST.name}, docker: "${HOST.dockerUrl}", address: 127.0.0.1, labels: {zone: z1}}`,
    "edge: {image: gitfleet/haproxy:2.6}",
    "",
  ].join("\n");
}

/** GET from inside the host's network namespace, where 127.0.0.1 is the host's own loopback. */
async function getOnHost(path: string): Promise<{ status: number; body: string }> {
  const { stdout } = await run(
    "ip",
    ["netns", "exec", `gf-${HOST.name}`, "curl", "-s", "--max-time", "3", "-w", "\n%{http_code}", path],
    { timeout: 10_000 },
  ).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? "\n0" }));
  const lines = stdout.trimEnd().split("\n");
  return { status: Number(lines.pop()), body: lines.join("\n").trim() };
}

let world: OperatorWorld;

beforeAll(async () => {
  await resetTestbed();
  world = await OperatorWorld.create({});
  await world.push(
    { "cluster.yaml": singleHostCluster(), "services/web.yaml": publishedWebYaml() },
    "web on one host at 127.0.0.1",
  );
  world.startOperator();
  await pollUntil(
    "web 3/3 healthy on the one host",
    async () => (serving(await managed("web")).length === 3 ? true : undefined),
    { ...BED_POLL, timeoutMs: 90_000 },
  );
}, 150_000);

afterAll(async () => {
  await world?.close();
});

describe("a single host at 127.0.0.1", () => {
  it("answers on the ingress port at 127.0.0.1 and balances over all its replicas", async () => {
    const web = serving(await managed("web"));
    const url = `http://127.0.0.1:${INGRESS_PORT}/cgi-bin/whoami`;
    await pollUntil(
      "the ingress port answering",
      async () => ((await getOnHost(url)).status === 200 ? true : undefined),
      BED_POLL,
    );
    const answered = new Set<string>();
    for (let i = 0; i < 9; i++) {
      const a = await getOnHost(url);
      expect(a.status).toBe(200);
      answered.add(web.find((c) => c.id.startsWith(a.body))?.id ?? `unknown ${a.body}`);
    }
    expect(answered).toEqual(new Set(web.map((c) => c.id)));
    // Status still names each replica by the host's address and its published port.
    const status = await pollUntil(
      "endpoints in status",
      async () => {
        const s = await world.status("status/services/web.yaml");
        return s.includes("127.0.0.1:") ? s : undefined;
      },
      BED_POLL,
    );
    for (const c of web) expect(status).toContain(c.endpoints[0] ?? "?");
  });
});
