// What the edge of one host is made of: two HAProxy containers of the edge
// image, shaped so that what a commit usually changes never needs a new
// container:
// - the ingress edge (`gf-<cluster>-edge`) runs with host networking and binds
//   the ingress listeners on the host's address itself, so a new ingress port
//   is a new `bind` line and a seamless reload. Docker fixes a container's
//   published ports at create time; publishing them would mean re-creating
//   the edge (and refusing connections) for every new port.
// - the names edge (`gf-<cluster>-edge-names`) sits on the cluster network and
//   carries every service name as a network alias, for service discovery.
//   Aliases cannot change on a running endpoint, but the endpoint can be
//   re-attached (network disconnect + connect) without touching the
//   container, its HAProxy or the ingress edge.
// Only the image (and the cluster) is in the "shape" label; a different shape
// means re-creating, which the keeper rolls one host at a time.

import { createHash } from "node:crypto";
import type { ContainerCreateOptions } from "dockerode";
import {
  clusterNetworkName,
  edgeContainerName,
  edgeNamesContainerName,
  networkEdgeContainerName,
  stackNetworkName,
} from "../../model/names.js";
import { LABELS } from "../../model/observed.js";
import type { EdgePart, EdgeShape } from "../../ports/edge.js";
import { EDGE_CONFIG_DIR, EDGE_CONFIG_FILE, MASTER_CLI } from "./container-target.js";

export const EDGE_SHAPE_LABEL = "gitfleet.edge-shape";
/** Which of a host's edge containers: "ingress", "names", or "network" (a stack network's names edge). */
export const EDGE_PART_LABEL = "gitfleet.edge-part";
/** On a stack network's names edge: the stack network it serves. */
export const EDGE_NETWORK_LABEL = "gitfleet.edge-network";

export function shapeHash(shape: EdgeShape, part: EdgePart, network?: string): string {
  return createHash("sha256")
    .update(JSON.stringify(network === undefined ? { ...shape, part } : { ...shape, part, network }))
    .digest("hex")
    .slice(0, 16);
}

export function edgePartName(cluster: string, part: EdgePart): string {
  return part === "ingress" ? edgeContainerName(cluster) : edgeNamesContainerName(cluster);
}

function base(shape: EdgeShape, part: EdgePart): ContainerCreateOptions {
  return {
    name: edgePartName(shape.cluster, part),
    Image: shape.image,
    // The image's own command plus the master CLI, on loopback only.
    Cmd: [
      "haproxy",
      "-W",
      "-db",
      "-S",
      `${MASTER_CLI.address}:${MASTER_CLI.port}`,
      "-f",
      `${EDGE_CONFIG_DIR}/${EDGE_CONFIG_FILE}`,
    ],
    Labels: {
      [LABELS.cluster]: shape.cluster,
      [LABELS.role]: "edge",
      [EDGE_PART_LABEL]: part,
      [EDGE_SHAPE_LABEL]: shapeHash(shape, part),
    },
    StopTimeout: 2,
  };
}

/** The ingress edge: the host's network, no published ports (HAProxy binds the host address). */
export function ingressCreateOptions(shape: EdgeShape): ContainerCreateOptions {
  const o = base(shape, "ingress");
  return {
    ...o,
    // Docker brings a crashed edge back at once; the next pass re-applies its configuration.
    HostConfig: { RestartPolicy: { Name: "unless-stopped" }, NetworkMode: "host" },
  };
}

/** A stack network's names edge: on that network, carrying the names of its services there. */
export function networkEdgeCreateOptions(
  shape: EdgeShape,
  network: string,
  aliases: readonly string[],
): ContainerCreateOptions {
  const docker = stackNetworkName(shape.cluster, network);
  const o = base(shape, "names");
  return {
    ...o,
    name: networkEdgeContainerName(shape.cluster, network),
    Labels: {
      ...o.Labels,
      [EDGE_PART_LABEL]: "network",
      [EDGE_NETWORK_LABEL]: network,
      [EDGE_SHAPE_LABEL]: shapeHash(shape, "names", network),
    },
    HostConfig: { RestartPolicy: { Name: "unless-stopped" }, NetworkMode: docker },
    NetworkingConfig: { EndpointsConfig: { [docker]: { Aliases: [...aliases] } } },
  };
}

/** The names edge: on the cluster network, carrying the service names as aliases. */
export function namesCreateOptions(shape: EdgeShape, aliases: readonly string[]): ContainerCreateOptions {
  const network = clusterNetworkName(shape.cluster);
  return {
    ...base(shape, "names"),
    HostConfig: { RestartPolicy: { Name: "unless-stopped" }, NetworkMode: network },
    NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [...aliases] } } },
  };
}
