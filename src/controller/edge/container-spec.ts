// What the edge container of one host is made of: the image, the ingress
// ports it publishes on the host address, and the service names it carries as
// aliases on the cluster network. None of these can change on a running
// container, so they are summed up in a "shape" label and a different shape
// means re-creating the edge (stop, remove, create, start). That cannot be
// start-first: the new container would need the very host ports the old one
// holds, so the host's ingress ports are refused for the second or so it takes.
// Service discovery through other hosts' edges is unaffected.

import { createHash } from "node:crypto";
import type { ContainerCreateOptions } from "dockerode";
import { clusterNetworkName, edgeContainerName } from "../../model/names.js";
import { LABELS } from "../../model/observed.js";
import type { ServiceSpec } from "../../model/spec.js";
import { EDGE_CONFIG_DIR, EDGE_CONFIG_FILE, MASTER_CLI } from "./container-target.js";

export const EDGE_SHAPE_LABEL = "gitfleet.edge-shape";

export interface EdgeShape {
  readonly cluster: string;
  readonly image: string;
  readonly hostAddress: string;
  /** Published ingress ports, sorted, each once. */
  readonly ports: readonly number[];
  /** Service names (network aliases), sorted. */
  readonly aliases: readonly string[];
}

export function edgeShape(
  cluster: string,
  image: string,
  hostAddress: string,
  services: readonly ServiceSpec[],
): EdgeShape {
  const ports = new Set<number>();
  for (const s of services)
    for (const p of s.ports)
      if (p.protocol === "tcp" && p.mode === "ingress" && p.published !== undefined) ports.add(p.published);
  const aliases = services.filter((s) => s.networkMode !== "host").map((s) => s.name);
  return {
    cluster,
    image,
    hostAddress,
    ports: [...ports].sort((a, b) => a - b),
    aliases: [...new Set(aliases)].sort(),
  };
}

export function shapeHash(shape: EdgeShape): string {
  return createHash("sha256").update(JSON.stringify(shape)).digest("hex").slice(0, 16);
}

export function edgeCreateOptions(shape: EdgeShape): ContainerCreateOptions {
  const network = clusterNetworkName(shape.cluster);
  const exposed: Record<string, object> = {};
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const p of shape.ports) {
    exposed[`${p}/tcp`] = {};
    bindings[`${p}/tcp`] = [{ HostIp: shape.hostAddress, HostPort: String(p) }];
  }
  return {
    name: edgeContainerName(shape.cluster),
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
      [EDGE_SHAPE_LABEL]: shapeHash(shape),
    },
    ExposedPorts: exposed,
    StopTimeout: 2,
    HostConfig: {
      // Docker brings a crashed edge back at once; the next pass re-applies its configuration.
      RestartPolicy: { Name: "unless-stopped" },
      NetworkMode: network,
      PortBindings: bindings,
    },
    NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: [...shape.aliases] } } },
  };
}
