// The simulated Docker engine as a process of its own, so the fleet-scale
// bench measures the operator's CPU and memory, not the engine's.
// Usage: tsx bench/sim-docker-main.ts HOSTS
// stdout: one line `{"endpoints": [...]}` when listening, then `create I T` for
// every container create request (host index, epoch ms at arrival).
// stdin: `freeze I` / `thaw I` (a frozen host accepts requests and never answers).

import { createInterface } from "node:readline";
import { SimDockerEngine } from "../test/support/sim-docker/server.js";

const count = Number(process.argv[2] ?? "3");
const engine = await SimDockerEngine.start(count);
const index = new Map(engine.hosts.map((h, i) => [h.host.name, i]));
engine.onCall = (host, route) => {
  if (route === "create") process.stdout.write(`create ${index.get(host.name) ?? -1} ${Date.now()}\n`);
};
process.stdout.write(`${JSON.stringify({ endpoints: engine.hosts.map((h) => h.docker) })}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  const [verb, arg] = line.trim().split(/\s+/);
  const host = engine.hosts[Number(arg)]?.host.name;
  if (host === undefined) continue;
  if (verb === "freeze") engine.frozen.add(host);
  if (verb === "thaw") engine.frozen.delete(host);
}
await engine.close();
