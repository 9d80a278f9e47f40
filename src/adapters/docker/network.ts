// The per-host cluster network every managed container of services/ joins,
// and the stack networks (one bridge per host for each, created where a
// replica or a names edge needs it). Names are the edges' aliases, never the
// replicas' (see container-config.ts).

import { clusterNetworkName, stackNetworkName } from "../../model/names.js";
import { LABELS } from "../../model/observed.js";
import type { HostContext } from "./context.js";
import { DockerError } from "./errors.js";

export interface NetworkOptions {
  /** e.g. "10.210.1.0/24": daemons do not coordinate ranges, so give each host its own. */
  readonly subnet?: string;
  /** Default bind address for published ports on this network. */
  readonly hostBindingIpv4?: string;
}

/** The label that names the stack network a Docker network is for. */
export const NETWORK_LABEL = "gitfleet.network";

/** `network`: a stack network (created as gf-<cluster>-net-<network>); absent: the cluster network. */
export async function ensureNetwork(
  ctx: HostContext,
  opts: NetworkOptions,
  network?: string,
): Promise<"unchanged" | "created"> {
  const name =
    network === undefined ? clusterNetworkName(ctx.cluster) : stackNetworkName(ctx.cluster, network);
  const existing = await ctx.calls.run(
    "list-networks",
    (signal) => ctx.api.listNetworks({ filters: { name: [name] } }, { signal }),
    { lane: "read" },
  );
  // The name filter matches substrings: compare exactly.
  if (existing.some((n) => n.Name === name)) return "unchanged";
  try {
    await ctx.calls.run("create-network", (abortSignal) =>
      ctx.docker.createNetwork({
        Name: name,
        Driver: "bridge",
        CheckDuplicate: true,
        Labels: {
          [LABELS.cluster]: ctx.cluster,
          ...(network !== undefined ? { [NETWORK_LABEL]: network } : {}),
        },
        ...(opts.subnet && network === undefined
          ? { IPAM: { Driver: "default", Config: [{ Subnet: opts.subnet }] } }
          : {}),
        ...(opts.hostBindingIpv4
          ? { Options: { "com.docker.network.bridge.host_binding_ipv4": opts.hostBindingIpv4 } }
          : {}),
        abortSignal,
      }),
    );
  } catch (err) {
    if (err instanceof DockerError && err.code === "conflict") return "unchanged"; // created meanwhile
    throw err;
  }
  ctx.logger.info({ network: name, subnet: opts.subnet }, "created cluster network");
  return "created";
}

/** Remove the cluster network (a host that left the cluster); absent already counts as done. */
export async function removeNetwork(ctx: HostContext): Promise<"removed" | "gone"> {
  const name = clusterNetworkName(ctx.cluster);
  try {
    await ctx.calls.run("remove-network", () => ctx.docker.getNetwork(name).remove());
    return "removed";
  } catch (err) {
    if (err instanceof DockerError && err.code === "not-found") return "gone";
    throw err;
  }
}
