// The real operator, wired as `gitfleet run` wires it (loadOperatorConfig +
// buildOperator: Git source and status sink, Docker drivers, cluster lock,
// heartbeat, poll), against simulated Docker hosts, with a local Git
// repository as the source (`repository.path`).
//
// What is NOT real: the HAProxy edge. It cannot run on a simulated host, so
// every driver is handed to the operator without its `edge` (as the fakes do):
// the edge step of each pass still plans the edges of every host (pure), but
// no edge container, config upload or reload is issued.

import { writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import pino, { type Logger } from "pino";
import { loadOperatorConfig } from "../../../src/config/index.js";
import { buildOperator } from "../../../src/daemon/bootstrap.js";
import type { DriverFactory } from "../../../src/observe/fleet.js";
import type { HostDriver } from "../../../src/ports/host.js";
import type { Operator } from "../../../src/daemon/operator.js";
import type { PassOutcome } from "../../../src/reconcile/reconciler.js";
import { gitCli, removeDir, tempDir } from "../git-fixtures.js";

export interface SimFleetOptions {
  /** `docker:` addresses of the simulated hosts (tcp://127.0.0.1:PORT). */
  readonly endpoints: readonly string[];
  readonly services: number;
  readonly replicasPerService: number;
  readonly hostDownAfter?: string;
  /** The operator configuration's heap_target (absent: its default). */
  readonly heapTarget?: string;
  /** The operator configuration's `tasks:` as YAML flow ("{total: 512}"; absent: its defaults). */
  readonly tasks?: string;
  /** The operator configuration's `leader_election:` as YAML flow (absent: single instance). */
  readonly leaderElection?: string;
  /** The operator configuration's `metrics.listen` ("127.0.0.1:PORT"; absent: no metrics listener). */
  readonly metricsListen?: string;
  readonly logger?: Logger;
}

/** Another operator of the same fleet (a standby group's member): its own configuration and work_dir. */
export interface SimInstance {
  readonly config: string;
  readonly workDir: string;
  readonly operator: Operator;
}

export const SIM_CLUSTER = "sim";

export class SimFleet {
  private readonly instances: SimInstance[] = [];

  private constructor(
    readonly dir: string,
    readonly repo: string,
    readonly operator: Operator,
    private readonly o: SimFleetOptions,
  ) {}

  static async create(o: SimFleetOptions): Promise<SimFleet> {
    const dir = await tempDir("sim-fleet");
    const repo = path.join(dir, "repo");
    await mkdir(repo);
    await gitCli(repo, ["init", "-q", "-b", "main"]);
    await gitCli(repo, ["config", "user.email", "bench@example.invalid"]);
    await gitCli(repo, ["config", "user.name", "bench"]);
    await mkdir(path.join(repo, "services"));
    await writeFile(path.join(repo, "cluster.yaml"), clusterYaml(o));
    for (let s = 1; s <= o.services; s++)
      await writeFile(
        path.join(repo, "services", `s${s}.yaml`),
        serviceYaml(`s${s}`, o.replicasPerService, 1),
      );
    await gitCli(repo, ["add", "-A"]);
    await gitCli(repo, ["commit", "-q", "-m", "fleet"]);
    await mkdir(path.join(dir, "secrets"), { mode: 0o700 });
    const config = path.join(dir, "gitfleet.yaml");
    await writeFile(config, operatorYaml(dir, "work", o));
    const operator = await simOperator(dir, config, o);
    return new SimFleet(dir, repo, operator, o);
  }

  /**
   * Another operator on the same repository and hosts, with its own work_dir (as every member
   * of a standby group has) and `leader_election:` (absent: the first operator's).
   */
  async instance(name: string, leaderElection?: string): Promise<SimInstance> {
    // Without the first operator's metrics listener (its port is taken).
    const { metricsListen: _taken, ...mine } = this.o;
    const o = { ...mine, ...(leaderElection !== undefined ? { leaderElection } : {}) };
    const config = path.join(this.dir, `${name}.yaml`);
    await writeFile(config, operatorYaml(this.dir, `${name}-work`, o));
    const made = { config, workDir: path.join(this.dir, `${name}-work`) };
    const instance = { ...made, operator: await simOperator(this.dir, config, o) };
    this.instances.push(instance);
    return instance;
  }

  /** Commit a new version (image tag) of one service; returns when committed. */
  /** The operator's next pass that `ok` accepts (any pass by default); passes are not triggered here. */
  nextPass(ok: (o: PassOutcome) => boolean = () => true): Promise<PassOutcome> {
    return new Promise((resolve) => {
      const off = this.operator.onPass((o) => {
        if (ok(o)) {
          off();
          resolve(o);
        }
      });
    });
  }

  async changeService(name: string, version: number): Promise<void> {
    await writeFile(
      path.join(this.repo, "services", `${name}.yaml`),
      serviceYaml(name, this.o.replicasPerService, version),
    );
    await gitCli(this.repo, ["commit", "-q", "-am", `${name} v${version}`]);
  }

  async close(): Promise<void> {
    for (const i of this.instances) await i.operator.stop();
    await this.operator.stop();
    await removeDir(this.dir);
  }
}

function operatorYaml(dir: string, workDir: string, o: SimFleetOptions): string {
  return [
    `repository: {path: ${path.join(dir, "repo")}, branch: main}`,
    `status: {branch: gitfleet/status}`,
    `secrets_dir: ${path.join(dir, "secrets")}`,
    `work_dir: ${path.join(dir, workDir)}`,
    `ceiling: {endpoints: ["tcp://127.0.0.1:*"]}`,
    ...(o.heapTarget !== undefined ? [`heap_target: "${o.heapTarget}"`] : []),
    ...(o.tasks !== undefined ? [`tasks: ${o.tasks}`] : []),
    ...(o.leaderElection !== undefined ? [`leader_election: ${o.leaderElection}`] : []),
    ...(o.metricsListen !== undefined ? [`metrics: {listen: "${o.metricsListen}"}`] : []),
    "",
  ].join("\n");
}

async function simOperator(dir: string, config: string, o: SimFleetOptions): Promise<Operator> {
  const logger = o.logger ?? pino({ level: "warn" });
  return buildOperator(await loadOperatorConfig(config, { cwd: dir, env: {} }), {
    logger,
    wrapDrivers: withoutEdge,
  });
}

/** The production drivers without their HAProxy edge (see the header). */
export const withoutEdge = (drivers: DriverFactory): DriverFactory => {
  return async (host, cluster) => {
    const d = await drivers(host, cluster);
    // Each method bound once: the heartbeat asks for one 90 times a second at 300 hosts, and a
    // bound function made per access was the bench's own CPU and garbage, not the operator's.
    const bound = new Map<string | symbol, { readonly of: unknown; readonly fn: unknown }>();
    return new Proxy(d, {
      get(target, prop) {
        if (prop === "edge") return undefined;
        const v: unknown = Reflect.get(target, prop, target);
        if (typeof v !== "function") return v;
        const kept = bound.get(prop);
        if (kept?.of === v) return kept.fn;
        const fn = (v as (...a: unknown[]) => unknown).bind(target);
        bound.set(prop, { of: v, fn });
        return fn;
      },
    }) satisfies HostDriver;
  };
};

function clusterYaml(o: SimFleetOptions): string {
  const hosts = o.endpoints.map(
    (docker, i) =>
      `  - {name: h${i + 1}, docker: "${docker}", address: 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}, ` +
      `labels: {zone: z${i % 3}}}`,
  );
  return [
    "kind: Cluster",
    `name: ${SIM_CLUSTER}`,
    "hosts:",
    ...hosts,
    "edge: {image: gitfleet/haproxy:2.6}",
    `settings: {host_down_after: ${o.hostDownAfter ?? "3s"}, max_moves_per_minute: 100000}`,
    "",
  ].join("\n");
}

function serviceYaml(name: string, replicas: number, version: number): string {
  return [
    "kind: Service",
    `name: ${name}`,
    `image: registry.invalid/${name}:${version}`,
    "ports: [{target: 8080}]",
    "deploy:",
    `  replicas: ${replicas}`,
    "  placement: {preferences: [{spread: node.labels.zone}]}",
    // All at once and no watch period: the change's time is then the operator's, not the policy's.
    "  update_config: {parallelism: 0, monitor: 0s}",
    "",
  ].join("\n");
}

/**
 * The next pass of `operator` that `ok` accepts, marking it due again every half second until
 * then (as polls would); rejects after `timeoutMs`.
 */
export async function passWhere(
  operator: Operator,
  ok: (o: PassOutcome) => boolean,
  timeoutMs: number,
): Promise<PassOutcome> {
  let found: PassOutcome | undefined;
  const off = operator.onPass((o) => {
    if (found === undefined && ok(o)) found = o;
  });
  try {
    for (let i = 0; i < timeoutMs / 100 && found === undefined; i++) {
      if (i % 5 === 0) operator.markDue("test: look again");
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    off();
  }
  if (found === undefined) throw new Error(`no such pass within ${timeoutMs / 1000} s`);
  return found;
}
