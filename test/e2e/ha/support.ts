// Standby operators on the test bed: one repository (OperatorWorld), one etcd
// cluster, and several `gitfleet run` processes with the same configuration but
// their own work dirs. Each process reaches etcd through TCP proxies of its own,
// so a drill can cut one operator off etcd (a black hole: connections hang, as
// on a real partition) while it still reaches the Docker hosts.

import type { ChildProcess } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { type EtcdCluster, startEtcd } from "../../support/etcd.js";
import { gitCli } from "../../support/git-fixtures.js";
import { spawnOperator } from "../../support/operator-process.js";
import { dockerFor, resetTestbed, TESTBED } from "../../support/testbed.js";
import { complete, failureCluster, failureServices, replicas } from "../failures/support.js";
import { BED_POLL, CLUSTER, freePort, managed, OperatorWorld, STATUS_BRANCH } from "../operator/support.js";
import { pollUntil } from "../../support/poll.js";

/** A TCP proxy that can be turned into a black hole and back. */
export class CuttableProxy {
  private readonly sockets = new Set<net.Socket>();
  private cutOff = false;
  private constructor(
    private readonly server: net.Server,
    readonly url: string,
  ) {}

  static async start(target: URL): Promise<CuttableProxy> {
    const ready: { proxy?: CuttableProxy } = {};
    const server = net.createServer((client) => ready.proxy?.accept(client, target));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address() as net.AddressInfo;
    ready.proxy = new CuttableProxy(server, `http://127.0.0.1:${address.port}`);
    return ready.proxy;
  }

  private accept(client: net.Socket, target: URL): void {
    this.sockets.add(client);
    client.on("close", () => this.sockets.delete(client));
    client.on("error", () => undefined);
    if (this.cutOff) return; // swallowed: the caller waits until its own deadline
    const upstream = net.connect(Number(target.port), target.hostname);
    this.sockets.add(upstream);
    upstream.on("close", () => this.sockets.delete(upstream));
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
    client.pipe(upstream).pipe(client);
  }

  cut(): void {
    this.cutOff = true;
    for (const s of this.sockets) s.destroy();
  }

  restore(): void {
    this.cutOff = false;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** One `gitfleet run` of the standby group. */
export class Instance {
  output = "";
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> = Promise.resolve(null);

  constructor(
    readonly name: string,
    readonly configFile: string,
    readonly proxies: readonly CuttableProxy[],
    /** Its metrics and probe listener (metrics.listen). */
    readonly metricsUrl: string,
  ) {}

  /** A sample of one metric without labels from its /metrics (undefined: not running or not there). */
  async metric(name: string): Promise<number | undefined> {
    if (this.child === undefined) return undefined;
    try {
      const res = await fetch(`${this.metricsUrl}/metrics`, { signal: AbortSignal.timeout(2_000) });
      const line = (await res.text()).split("\n").find((l) => l.startsWith(`${name} `));
      return line === undefined ? undefined : Number(line.slice(name.length + 1));
    } catch {
      return undefined;
    }
  }

  /** /readyz answers 200: it runs and has finished a pass (a standby's passes count). */
  async ready(): Promise<boolean> {
    if (this.child === undefined) return false;
    try {
      return (await fetch(`${this.metricsUrl}/readyz`, { signal: AbortSignal.timeout(2_000) })).ok;
    } catch {
      return false;
    }
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  start(): void {
    const child = spawnOperator(["run", "--config", this.configFile], {
      onOutput: (text) => (this.output += text),
    });
    this.exited = new Promise((resolve) =>
      child.on("exit", (code) => {
        // An instance that lost the lease exits (its supervisor would start it again).
        if (this.child === child) this.child = undefined;
        resolve(code);
      }),
    );
    this.child = child;
  }

  async kill9(): Promise<void> {
    this.child?.kill("SIGCONT");
    this.child?.kill("SIGKILL");
    await this.exited;
  }

  /** Resolves with the exit code when the process ends by itself. */
  get exit(): Promise<number | null> {
    return this.exited;
  }

  pause(): void {
    this.child?.kill("SIGSTOP");
  }

  resume(): void {
    this.child?.kill("SIGCONT");
  }

  async stop(): Promise<void> {
    if (this.child === undefined) return;
    this.child.kill("SIGCONT");
    this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child?.kill("SIGKILL"), 20_000);
    await this.exited;
    clearTimeout(timer);
  }

  cutEtcd(): void {
    for (const p of this.proxies) p.cut();
  }

  restoreEtcd(): void {
    for (const p of this.proxies) p.restore();
  }
}

export const LEADER_KEY = `gitfleet/${CLUSTER}/leader`;

/** Writes one configuration per instance (the world's, with leader election through its proxies). */
export async function standbyGroup(
  world: OperatorWorld,
  etcd: EtcdCluster,
  names: readonly string[],
): Promise<Instance[]> {
  const base = (await readFile(world.configFile, "utf8"))
    .split("\n")
    .filter((l) => !l.startsWith("webhook:") && !l.startsWith("poll:"));
  const out: Instance[] = [];
  for (const name of names) {
    const proxies = await Promise.all(etcd.endpoints.map((e) => CuttableProxy.start(new URL(e))));
    const metricsPort = await freePort();
    const lines = base.map((l) =>
      l.startsWith("work_dir:") ? `work_dir: ${path.join(world.dir, `cache-${name}`)}` : l,
    );
    lines.push(
      // A poll each second: no webhook (every instance would need its own port).
      'poll: "* * * * * *"',
      `metrics: {listen: "127.0.0.1:${metricsPort}"}`,
      "leader_election:",
      `  key: ${LEADER_KEY}`,
      `  etcd: {endpoints: ${JSON.stringify(proxies.map((p) => p.url))}}`,
      "  lease_ttl: 5s",
      "  renew_every: 1s",
      "  renew_deadline: 3.5s",
      "",
    );
    const file = path.join(world.dir, `operator-${name}.yaml`);
    await writeFile(file, lines.join("\n"));
    out.push(new Instance(name, file, proxies, `http://127.0.0.1:${metricsPort}`));
  }
  return out;
}

/** A standby group on the test bed, running the failure drills' fleet. */
export interface GroupBed {
  readonly world: OperatorWorld;
  readonly etcd: EtcdCluster;
  readonly group: Instance[];
  readonly d: Drills;
}

/**
 * The test bed reset, an etcd of `members`, the failure drills' fleet pushed and a standby group
 * of `names` started, a leader found, the fleet converged and supervised. What was made is
 * stopped again when a step fails.
 */
export async function startGroupBed(members: number, names: readonly string[]): Promise<GroupBed> {
  await resetTestbed();
  const made: { -readonly [K in keyof GroupBed]?: GroupBed[K] } & { etcd: EtcdCluster } = {
    etcd: await startEtcd(members),
  };
  try {
    const world = (made.world = await OperatorWorld.create({}));
    await world.push({ "cluster.yaml": failureCluster(), ...failureServices() }, "fleet");
    const group = (made.group = await standbyGroup(world, made.etcd, names));
    const d = new Drills(world, made.etcd, group);
    for (const g of group) g.start();
    await d.currentLeader();
    await d.converged();
    await d.supervise();
    return { world, etcd: made.etcd, group, d };
  } catch (err) {
    await stopGroupBed(made);
    throw err;
  }
}

/** Stops what startGroupBed made (any part of it); with GITFLEET_E2E_LOG the instances' output goes to the world's log. */
export async function stopGroupBed(bed: Partial<GroupBed>): Promise<void> {
  const group = bed.group ?? [];
  for (const g of group) await g.stop().catch(() => undefined);
  if (process.env["GITFLEET_E2E_LOG"] && bed.world !== undefined)
    bed.world.output = group.map((g) => `=== ${g.name}\n${g.output}`).join("\n");
  await bed.world?.close();
  await bed.etcd?.stop();
}

export interface LeaderSeen {
  readonly pid: number;
  readonly epoch: number;
}

/** The leader as etcd records it (straight from a member, not through any instance's proxy). */
export async function leaderInEtcd(etcd: EtcdCluster): Promise<LeaderSeen | undefined> {
  for (const endpoint of etcd.endpoints) {
    try {
      const res = await fetch(`${endpoint}/v3/kv/range`, {
        method: "POST",
        body: JSON.stringify({ key: Buffer.from(LEADER_KEY).toString("base64") }),
        signal: AbortSignal.timeout(1_000),
      });
      const body = (await res.json()) as { kvs?: { value: string; create_revision: string }[] };
      const kv = body.kvs?.[0];
      if (kv === undefined) return undefined;
      const holder = JSON.parse(Buffer.from(kv.value, "base64").toString("utf8")) as { pid: number };
      return { pid: holder.pid, epoch: Number(kv.create_revision) };
    } catch {
      // next member
    }
  }
  return undefined;
}

/** A container of the drills' cluster with its epoch label and creation time. */
export interface EpochMark {
  readonly name: string;
  readonly epoch: number;
  readonly created: number;
}

/**
 * The drills on a standby group, shared by test/e2e/ha/takeover.test.ts and
 * bench/ha-takeover.bench.ts: who leads, how long a takeover took, what each
 * epoch created, and a supervisor that restarts instances that exited.
 */
export class Drills {
  constructor(
    readonly world: OperatorWorld,
    readonly etcd: EtcdCluster,
    readonly group: readonly Instance[],
  ) {}

  byPid(pid: number): Instance {
    const i = this.group.find((g) => g.pid === pid);
    if (i === undefined) throw new Error(`no instance with pid ${pid}`);
    return i;
  }

  currentLeader(timeoutMs = 120_000): Promise<LeaderSeen> {
    return pollUntil("a leader in etcd", () => leaderInEtcd(this.etcd), {
      ...BED_POLL,
      timeoutMs: timeoutMs,
    });
  }

  /** The next leader after `old`, and how long after `faultAt` etcd named it (polled every 50 ms). */
  async takeover(
    old: LeaderSeen,
    faultAt: number,
    timeoutMs = 30_000,
  ): Promise<{ leader: LeaderSeen; ms: number }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const l = await leaderInEtcd(this.etcd);
      if (l !== undefined && l.epoch > old.epoch && l.pid !== old.pid)
        return { leader: l, ms: Date.now() - faultAt };
      if (Date.now() > deadline) throw new Error(`no new leader within ${timeoutMs} ms of the fault`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Containers (any state) with their epoch label and creation time. */
  async epochs(): Promise<EpochMark[]> {
    const out: EpochMark[] = [];
    for (const h of TESTBED.hosts) {
      const list = await dockerFor(h, { timeoutMs: 5_000 })
        .listContainers({ all: true, filters: { label: [`gitfleet.cluster=${CLUSTER}`, "gitfleet.epoch"] } })
        .catch(() => []);
      for (const c of list)
        out.push({
          name: c.Names[0] ?? "",
          epoch: Number(c.Labels["gitfleet.epoch"]),
          created: c.Created * 1000,
        });
    }
    return out;
  }

  /** Epochs of the status commits, oldest first (trailer Gitfleet-Epoch). */
  async statusEpochs(): Promise<number[]> {
    const log = await gitCli(this.world.bare, [
      "log",
      "--reverse",
      "--format=%(trailers:key=Gitfleet-Epoch,valueonly)",
      STATUS_BRANCH,
    ]);
    return log
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .map(Number);
  }

  /**
   * What systemd's Restart=always does: an instance that exited (killed, or its lease lost)
   * is started again and comes back as a standby; resolves once every instance is ready.
   */
  async supervise(timeoutMs = 120_000): Promise<void> {
    let waiting: Instance[] = [];
    try {
      await pollUntil(
        "every instance ready",
        async () => {
          // As long as it takes: one may exit meanwhile too (a lease lost under load).
          for (const g of this.group) if (!g.running) g.start();
          const ready = await Promise.all(this.group.map((g) => g.ready()));
          waiting = this.group.filter((_, i) => !ready[i]);
          return waiting.length === 0;
        },
        { ...BED_POLL, timeoutMs: timeoutMs },
      );
    } catch (err) {
      const tails = waiting.map((g) => `=== ${g.name}\n${g.output.split("\n").slice(-15).join("\n")}`);
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n${tails.join("\n")}`);
    }
  }

  /** Every slot serving, exactly one container each (of web on `image` when given). */
  async converged(image?: string, timeoutMs = 90_000): Promise<void> {
    await pollUntil(
      "every slot serving" + (image ? ` on ${image}` : ""),
      async () => {
        const all = replicas(await managed());
        if (!complete(all)) return undefined;
        return (
          image === undefined || all.filter((c) => c.service === "web").every((c) => c.image.endsWith(image))
        );
      },
      { ...BED_POLL, timeoutMs: timeoutMs },
    );
  }

  /** gitfleet_is_leader of every instance (undefined for one not running or not answering). */
  isLeader(): Promise<(number | undefined)[]> {
    return Promise.all(this.group.map((g) => g.metric("gitfleet_is_leader")));
  }
}

/** The drills' web service at image version `version` (a slower monitor: a rollout lasts a few seconds). */
export function webAt(version: number): Record<string, string> {
  const web = failureServices()["services/web.yaml"] ?? "";
  return {
    "services/web.yaml": web
      .replace("gitfleet/web:1", `gitfleet/web:${version}`)
      .replace("monitor: 1s", "monitor: 3s"),
  };
}
