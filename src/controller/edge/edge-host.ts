// The edge container of one host, kept as the pass wants it: created when
// missing, re-created when its shape (image, ingress ports, aliases) changed
// or when it is not running (its configuration may be what made it exit),
// else given the new configuration by a seamless reload, only when the text
// changed.

import type Docker from "dockerode";
import type { Logger } from "pino";
import { applyEdgeConfig, configHash } from "../../adapters/edge/apply.js";
import type { EdgeTarget } from "../../adapters/edge/target.js";
import { edgeContainerName } from "../../model/names.js";
import { containerEdgeTarget, EDGE_CONFIG_FILE, putFile } from "./container-target.js";
import { EDGE_SHAPE_LABEL, edgeCreateOptions, shapeHash, type EdgeShape } from "./container-spec.js";

export type EdgeOutcome = "created" | "recreated" | "reloaded" | "unchanged";

/** What the controller needs of a host to run its edge. */
export interface EdgeHost {
  ensure(shape: EdgeShape, config: string): Promise<EdgeOutcome>;
  /** The runtime API of the running edge (for `show stat`, drains). */
  target(cluster: string): EdgeTarget;
}

export interface DockerEdgeHostOptions {
  readonly host: string;
  readonly docker: Docker;
  /** The cluster network must exist before the edge joins it. */
  readonly ensureNetwork: () => Promise<void>;
  readonly logger: Logger;
  readonly timeoutMs: number;
}

function isNotFound(err: unknown): boolean {
  return (err as { statusCode?: unknown } | null)?.statusCode === 404;
}

export class DockerEdgeHost implements EdgeHost {
  constructor(private readonly o: DockerEdgeHostOptions) {}

  target(cluster: string): EdgeTarget {
    return containerEdgeTarget(this.o.docker, this.o.host, edgeContainerName(cluster), this.o.timeoutMs);
  }

  async ensure(shape: EdgeShape, config: string): Promise<EdgeOutcome> {
    const name = edgeContainerName(shape.cluster);
    const current = await this.o.docker
      .getContainer(name)
      .inspect()
      .catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      });
    const sameShape = current?.Config.Labels?.[EDGE_SHAPE_LABEL] === shapeHash(shape);
    if (current !== undefined && sameShape && current.State.Running) {
      const applied = await applyEdgeConfig(this.target(shape.cluster), config);
      return applied.outcome === "unchanged" ? "unchanged" : "reloaded";
    }
    if (current !== undefined) {
      this.o.logger.info(
        { host: this.o.host, container: name, sameShape, running: current.State.Running },
        "re-creating the edge",
      );
      await this.o.docker
        .getContainer(name)
        .remove({ force: true })
        .catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
    }
    await this.o.ensureNetwork();
    const created = await this.o.docker.createContainer(edgeCreateOptions(shape));
    // In place before HAProxy starts, so it starts with it; the marker says so for the next pass.
    await putFile(this.o.docker, name, EDGE_CONFIG_FILE, config);
    await putFile(this.o.docker, name, `${EDGE_CONFIG_FILE}.applied`, `${configHash(config)}\n`);
    await created.start();
    this.o.logger.info({ host: this.o.host, container: name, ports: shape.ports }, "edge started");
    return current === undefined ? "created" : "recreated";
  }
}
