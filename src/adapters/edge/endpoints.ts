// The runtime view of an edge: which replicas are in rotation right now (for
// status), and draining a server without a reload (e.g. just before its
// container is stopped). Runtime changes last until the next reload.

import { endpointsFromStat, parseShowStat, type EdgeEndpoint } from "../../edge/runtime-parse.js";
import { EdgeError } from "./errors.js";
import type { EdgeTarget } from "../../ports/edge.js";

export async function listEdgeEndpoints(target: EdgeTarget): Promise<EdgeEndpoint[]> {
  return endpointsFromStat(parseShowStat(await target.runtime("show stat")));
}

export type ServerState = "ready" | "drain" | "maint";

export async function setServerState(
  target: EdgeTarget,
  server: { readonly backend: string; readonly server: string },
  state: ServerState,
): Promise<void> {
  const answer = (
    await target.runtime(`set server ${server.backend}/${server.server} state ${state}`)
  ).trim();
  // Success is silence; anything else is HAProxy explaining why not.
  if (answer !== "") {
    throw new EdgeError(
      "edge-runtime-command",
      `${target.name}: set ${server.backend}/${server.server} ${state} refused`,
      {
        detail: answer,
      },
    );
  }
}
