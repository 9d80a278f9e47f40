// The Docker adapter on one simulated host, for tests of what the adapter asks
// of an engine (calls, connections): a SimDockerEngine with one host and a
// DockerHost on it, both closed when the test ends.

import { pino } from "pino";
import { onTestFinished } from "vitest";
import { DockerHost } from "../../../src/adapters/docker/index.js";
import { SimDockerEngine, type SimHostHandle } from "./server.js";

export interface SimDockerHost {
  readonly engine: SimDockerEngine;
  /** The simulated host (its containers, its call counts) and its address. */
  readonly sim: SimHostHandle;
  /** The adapter on it: host "h1" of cluster "sim", silent logs. */
  readonly host: DockerHost;
}

/** Call in a test: what it makes is closed when the test ends (the DockerHost first). */
export async function simDockerHost(): Promise<SimDockerHost> {
  const made: { close(): unknown }[] = [];
  onTestFinished(async () => {
    for (const o of made.reverse()) await o.close();
  });
  const engine = await SimDockerEngine.start(1);
  made.push(engine);
  const sim = engine.hosts[0];
  if (sim === undefined) throw new Error("no host");
  const host = await DockerHost.create({
    name: "h1",
    docker: sim.docker,
    cluster: "sim",
    logger: pino({ level: "silent" }),
  });
  made.push(host);
  return { engine, sim, host };
}
