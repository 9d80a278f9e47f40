// The edge: what each host's HAProxy serves, decided purely from the desired
// services and the observed replicas. Applying it to a running HAProxy is the
// job of src/adapters/edge.

export { planEdge, uniqueIssues, EDGE_DEFAULTS } from "./plan.js";
export { FleetEdges, type FleetEdgeInput, type HostEdgeInput } from "./shared.js";
export { renderEdgeConfig, renderEdgePlan } from "./render.js";
export { splitEdgePlan } from "./split.js";
export { ingressConflicts, type PortConflict } from "./conflicts.js";
export { inRotation } from "./backends.js";
export { appMode, edgeCheck, httpProbe } from "./port-kind.js";
export { backendName, parseBackendName, serverName } from "./names.js";
export {
  endpointsFromStat,
  parseShowProc,
  parseShowStat,
  unbindablePorts,
  takesTraffic,
  type EdgeEndpoint,
  type ProcInfo,
  type StatRow,
} from "./runtime-parse.js";
export type * from "./types.js";
export { observedImagePorts, unreachableByName, withImagePorts } from "./image-ports.js";
export { edgeAliases, edgeShape, networkAliases } from "./shape.js";
