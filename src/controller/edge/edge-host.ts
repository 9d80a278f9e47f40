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

import type Docker from "dockerode";
import type { ContainerInspectInfo } from "dockerode";
import type { Logger } from "pino";
import { applyEdgeConfig, configHash } from "../../adapters/edge/apply.js";
import type { EdgeTarget } from "../../adapters/edge/target.js";
import { clusterNetworkName } from "../../model/names.js";
import { containerEdgeTarget, EDGE_CONFIG_FILE, putFile } from "./container-target.js";
import {
  EDGE_SHAPE_LABEL,
  edgePartName,
  ingressCreateOptions,
  namesCreateOptions,
  shapeHash,
  type EdgePart,
  type EdgeShape,
} from "./container-spec.js";

/** Ordered from most to least disruptive: a host's outcome is the worst of its two containers. */
export type EdgeOutcome =
  | "recreated" // replaced (image changed): this host's edge was down for a moment
  | "created" // there was none
  | "started" // its HAProxy had exited: started again with the configuration
  | "renamed" // the names edge re-attached with new service names
  | "reloaded" // a new configuration, loaded seamlessly
  | "deferred" // a disruptive change waits for its turn (one host per pass)
  | "unchanged";

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

/** Everything one host's edge should be. */
export interface EdgeWant {
  readonly shape: EdgeShape;
  /** Service names the names edge answers to. */
  readonly aliases: readonly string[];
  /** Configuration of the ingress edge (ingress listeners on the host address). */
  readonly ingress: string;
  /** Configuration of the names edge (service-discovery listeners). */
  readonly names: string;
}

/** What the controller needs of a host to run its edge. */
export interface EdgeHost {
  /** `mayDisrupt()` claims the one turn of this pass for a change that interrupts the host's edge. */
  ensure(want: EdgeWant, mayDisrupt: () => boolean): Promise<EdgeOutcome>;
  /** The runtime API of one running edge container (for `show stat`, drains). */
  target(cluster: string, part?: EdgePart): EdgeTarget;
}

export interface DockerEdgeHostOptions {
  readonly host: string;
  readonly docker: Docker;
  /** The cluster network must exist before the names edge joins it. */
  readonly ensureNetwork: () => Promise<void>;
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

export class DockerEdgeHost implements EdgeHost {
  constructor(private readonly o: DockerEdgeHostOptions) {}

  target(cluster: string, part: EdgePart = "ingress"): EdgeTarget {
    return containerEdgeTarget(this.o.docker, this.o.host, edgePartName(cluster, part), this.o.timeoutMs);
  }

  async ensure(want: EdgeWant, mayDisrupt: () => boolean): Promise<EdgeOutcome> {
    // The names edge first: a new service's name must answer before anything routes to it.
    const names = await this.ensurePart("names", want, want.names, mayDisrupt);
    const ingress = await this.ensurePart("ingress", want, want.ingress, mayDisrupt);
    return worstOutcome(names, ingress);
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

  private async ensurePart(
    part: EdgePart,
    want: EdgeWant,
    config: string,
    mayDisrupt: () => boolean,
  ): Promise<EdgeOutcome> {
    const { cluster } = want.shape;
    const name = edgePartName(cluster, part);
    const current = await this.inspect(name);
    const sameShape = current?.Config.Labels?.[EDGE_SHAPE_LABEL] === shapeHash(want.shape, part);
    if (current !== undefined && sameShape) {
      if (!current.State.Running) {
        // Never re-created in a loop for what its configuration did: started with the current one.
        await this.install(name, config);
        await this.o.docker.getContainer(name).start();
        this.o.logger.warn({ host: this.o.host, container: name }, "edge was not running: started again");
        return "started";
      }
      const applied = await applyEdgeConfig(this.target(cluster, part), config);
      const reloaded = applied.outcome === "unchanged" ? "unchanged" : "reloaded";
      if (part === "names")
        return worstOutcome(reloaded, await this.rename(current, cluster, want.aliases, mayDisrupt));
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
    if (part === "names") await this.o.ensureNetwork();
    const options =
      part === "ingress" ? ingressCreateOptions(want.shape) : namesCreateOptions(want.shape, want.aliases);
    const created = await this.o.docker.createContainer(options);
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
    cluster: string,
    aliases: readonly string[],
    mayDisrupt: () => boolean,
  ): Promise<EdgeOutcome> {
    const network = clusterNetworkName(cluster);
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
