// The two edge containers of one host, kept as the pass wants them (see
// container-spec.ts for why two). What changes with commits never re-creates
// a container:
// - new or removed listeners and backends: the configuration text changes and
//   HAProxy reloads seamlessly (only when the text changed);
// - new or removed service names: the names edge is re-attached to the
//   cluster network with the new aliases (disconnect + connect), its HAProxy
//   keeps running.
// A container is re-created only when missing or when its shape (the image)
// changed. A re-creation or re-attachment interrupts this host's edge for a
// moment, so each one first claims the pass's turn (`mayDisrupt`): the keeper
// hands out one per pass, so the fleet's edges change one host at a time.
// An edge whose HAProxy exited is started again as it is, never re-created
// in a loop.
//
// A listener the ingress edge cannot bind (the port is held outside Docker,
// where the Docker API cannot show it) makes HAProxy refuse the whole new
// configuration (the old workers keep serving) or exit at start. Its log
// names the port: it is remembered for a minute as held (`heldPorts`), the
// keeper renders this host's edge without it and applies again, so the other
// listeners keep serving and the conflict is reported.

import type Docker from "dockerode";
import type { ContainerInspectInfo } from "dockerode";
import type { Logger } from "../../ports/logger.js";
import type { ForeignPort } from "../../model/observed.js";
import { applyEdgeConfig, configHash } from "./apply.js";
import { EdgeError } from "./errors.js";
import { unbindablePorts } from "../../edge/index.js";
import { clusterNetworkName, networkEdgeContainerName, stackNetworkName } from "../../model/names.js";
import { LABELS } from "../../model/observed.js";
import { containerEdgeTarget, EDGE_CONFIG_FILE, putFile } from "./container-target.js";
import type { ContainerCreateOptions } from "dockerode";
import {
  EDGE_NETWORK_LABEL,
  EDGE_PART_LABEL,
  EDGE_SHAPE_LABEL,
  edgePartName,
  ingressCreateOptions,
  namesCreateOptions,
  networkEdgeCreateOptions,
  shapeHash,
} from "./container-spec.js";
import type { EdgeHost, EdgeOutcome, EdgePart, EdgeTarget, EdgeWant } from "../../ports/edge.js";

const RANK: readonly EdgeOutcome[] = [
  "recreated",
  "created",
  "started",
  "renamed",
  "reloaded",
  "deferred",
  "unchanged",
];

export function worstOutcome(a: EdgeOutcome, b: EdgeOutcome): EdgeOutcome {
  return RANK.indexOf(a) <= RANK.indexOf(b) ? a : b;
}

/** One edge container as the pass wants it. */
interface PartWant {
  readonly part: EdgePart;
  readonly name: string;
  readonly shape: string;
  readonly config: string;
  /** The network whose aliases it carries (names edges), and those aliases. */
  readonly aliasesOn?: { readonly network: string; readonly aliases: readonly string[] };
  readonly create: () => ContainerCreateOptions;
  /** Made sure of before the container is created. */
  readonly ensureNetwork?: () => Promise<void>;
}

export interface DockerEdgeHostOptions {
  readonly host: string;
  readonly docker: Docker;
  /** The cluster network (or the stack network named) must exist before a names edge joins it. */
  readonly ensureNetwork: (network?: string) => Promise<void>;
  readonly logger: Logger;
  readonly timeoutMs: number;
}

function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: unknown } | null)?.statusCode === 404;
}

/** Aliases Docker adds by itself (the short container id) are not ours to compare. */
function sameAliases(info: ContainerInspectInfo, network: string, want: readonly string[]): boolean {
  const have = (info.NetworkSettings.Networks[network]?.Aliases ?? []).filter(
    (a: string) => !info.Id.startsWith(a) && a !== info.Name.replace(/^\//, ""),
  );
  return have.length === want.length && [...have].sort().every((a, i) => a === want[i]);
}

/** How long a port HAProxy could not bind is left out before it is tried again. */
export const HELD_PORT_RETRY_MS = 60_000;

export class DockerEdgeHost implements EdgeHost {
  /** Port → when to try binding it again. */
  private readonly unbindable = new Map<number, number>();

  constructor(private readonly o: DockerEdgeHostOptions) {}

  heldPorts(): readonly ForeignPort[] {
    const now = Date.now();
    const out: ForeignPort[] = [];
    for (const [port, until] of [...this.unbindable].sort((a, b) => a[0] - b[0])) {
      if (until <= now) this.unbindable.delete(port);
      else out.push({ port, protocol: "tcp", owner: "", outsideDocker: true });
    }
    return out;
  }

  /** The ports HAProxy's log (since `sinceMs`) says it could not bind; remembered, then reported. */
  private async learnUnbindable(name: string, sinceMs: number): Promise<void> {
    const raw = await this.o.docker
      .getContainer(name)
      .logs({
        stdout: true,
        stderr: true,
        follow: false,
        since: Math.max(0, Math.floor(sinceMs / 1000) - 1),
        tail: 200,
      })
      .catch(() => Buffer.alloc(0));
    // Multiplexed frames: each log line is its own frame, so the text survives the 8-byte headers.
    const ports = unbindablePorts(Buffer.isBuffer(raw) ? raw.toString("latin1") : String(raw));
    const fresh = ports.filter((p) => !this.unbindable.has(p));
    if (fresh.length === 0) return;
    for (const p of ports) this.unbindable.set(p, Date.now() + HELD_PORT_RETRY_MS);
    this.o.logger.warn({ host: this.o.host, container: name, ports }, "edge cannot bind ports: left out");
    throw new EdgeError(
      "edge-bind-failed",
      `${this.o.host}: the edge cannot bind port(s) ${ports.join(", ")}`,
    );
  }

  target(cluster: string, part: EdgePart = "ingress"): EdgeTarget {
    return containerEdgeTarget(this.o.docker, this.o.host, edgePartName(cluster, part), this.o.timeoutMs);
  }

  async ensure(want: EdgeWant, mayDisrupt: () => boolean): Promise<EdgeOutcome> {
    const { cluster } = want.shape;
    const clusterNet = clusterNetworkName(cluster);
    // The names edges first: a new service's name must answer before anything routes to it.
    // They are independent containers: made sure of side by side (each is several API calls).
    const clusterNames: PartWant = {
      part: "names",
      name: edgePartName(cluster, "names"),
      shape: shapeHash(want.shape, "names"),
      config: want.names,
      aliasesOn: { network: clusterNet, aliases: want.aliases },
      create: () => namesCreateOptions(want.shape, want.aliases),
      ensureNetwork: () => this.o.ensureNetwork(),
    };
    const networkNames = (want.networks ?? []).map((n): PartWant => ({
      part: "names",
      name: networkEdgeContainerName(cluster, n.network),
      shape: shapeHash(want.shape, "names", n.network),
      config: n.config,
      aliasesOn: { network: stackNetworkName(cluster, n.network), aliases: n.aliases },
      create: () => networkEdgeCreateOptions(want.shape, n.network, n.aliases),
      ensureNetwork: () => this.o.ensureNetwork(n.network),
    }));
    const names = await Promise.all(
      [clusterNames, ...networkNames].map((p) => this.ensurePart(p, mayDisrupt)),
    );
    const outcome = names.reduce(worstOutcome, "unchanged" as EdgeOutcome);
    const ingress = await this.ensurePart(
      {
        part: "ingress",
        name: edgePartName(cluster, "ingress"),
        shape: shapeHash(want.shape, "ingress"),
        config: want.ingress,
        create: () => ingressCreateOptions(want.shape),
      },
      mayDisrupt,
    );
    await this.removeNetworkEdges(cluster, new Set((want.networks ?? []).map((n) => n.network)));
    return worstOutcome(outcome, ingress);
  }

  /** The names edges of stack networks no service uses any more (a removed stack). */
  private async removeNetworkEdges(cluster: string, wanted: ReadonlySet<string>): Promise<void> {
    const edges = await this.o.docker.listContainers({
      all: true,
      filters: { label: [`${LABELS.cluster}=${cluster}`, `${EDGE_PART_LABEL}=network`] },
    });
    for (const e of edges) {
      const network = e.Labels[EDGE_NETWORK_LABEL];
      if (network === undefined || wanted.has(network)) continue;
      await this.o.docker
        .getContainer(e.Id)
        .remove({ force: true })
        .catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
      this.o.logger.info({ host: this.o.host, network }, "names edge of an unused stack network removed");
    }
  }

  private async inspect(name: string): Promise<ContainerInspectInfo | undefined> {
    return this.o.docker
      .getContainer(name)
      .inspect()
      .catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      });
  }

  private async ensurePart(p: PartWant, mayDisrupt: () => boolean): Promise<EdgeOutcome> {
    const { part, name, config } = p;
    const current = await this.inspect(name);
    const sameShape = current?.Config.Labels?.[EDGE_SHAPE_LABEL] === p.shape;
    if (current !== undefined && sameShape) {
      if (!current.State.Running || current.State.Restarting) {
        // Never re-created in a loop for what its configuration did: started with the current one,
        // unless its log says which listeners it could not bind (then rendered without them first).
        if (part === "ingress") await this.learnUnbindable(name, Date.parse(current.State.StartedAt) || 0);
        const container = this.o.docker.getContainer(name);
        if (current.State.Restarting) await container.stop({ t: 0 }).catch(() => undefined);
        await this.install(name, config);
        await container.start();
        this.o.logger.warn({ host: this.o.host, container: name }, "edge was not running: started again");
        return "started";
      }
      const before = Date.now();
      const target = containerEdgeTarget(this.o.docker, this.o.host, name, this.o.timeoutMs);
      const applied = await applyEdgeConfig(target, config, this.o.logger).catch(async (err: unknown) => {
        // The old workers keep serving; the log says whether a listener could not be bound.
        if (part === "ingress" && err instanceof EdgeError && err.code === "edge-reload-failed")
          await this.learnUnbindable(name, before);
        throw err;
      });
      const reloaded = applied.outcome === "unchanged" ? "unchanged" : "reloaded";
      if (p.aliasesOn !== undefined)
        return worstOutcome(reloaded, await this.rename(current, p.aliasesOn, mayDisrupt));
      return reloaded;
    }
    if (current !== undefined) {
      if (current.State.Running && !mayDisrupt()) return "deferred";
      this.o.logger.info({ host: this.o.host, container: name, sameShape }, "re-creating the edge");
      await this.o.docker
        .getContainer(name)
        .remove({ force: true })
        .catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
    }
    await p.ensureNetwork?.();
    const created = await this.o.docker.createContainer(p.create());
    // In place before HAProxy starts, so it starts with it; the marker says so for the next pass.
    await this.install(name, config);
    await created.start();
    this.o.logger.info({ host: this.o.host, container: name }, "edge started");
    return current === undefined ? "created" : "recreated";
  }

  private async install(name: string, config: string): Promise<void> {
    await putFile(this.o.docker, name, EDGE_CONFIG_FILE, config);
    await putFile(this.o.docker, name, `${EDGE_CONFIG_FILE}.applied`, `${configHash(config)}\n`);
  }

  /** New service names: the running names edge re-attached to the network with them. */
  private async rename(
    current: ContainerInspectInfo,
    { network, aliases }: { readonly network: string; readonly aliases: readonly string[] },
    mayDisrupt: () => boolean,
  ): Promise<EdgeOutcome> {
    if (sameAliases(current, network, aliases)) return "unchanged";
    if (!mayDisrupt()) return "deferred";
    const net = this.o.docker.getNetwork(network);
    const address = current.NetworkSettings.Networks[network]?.IPAddress;
    await net.disconnect({ Container: current.Id, Force: true }).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
    await net.connect({ Container: current.Id, EndpointConfig: { Aliases: [...aliases] } });
    this.o.logger.info({ host: this.o.host, aliases, previousAddress: address }, "edge names changed");
    return "renamed";
  }
}
