// Applying edge configurations to running HAProxies, and reading their runtime state.

export { applyEdgeConfig, configHash, type ApplyOutcome, type ApplyResult } from "./apply.js";
export { checkHaproxyConfig, parseCheckOutput, type CheckOptions, type CheckResult } from "./check.js";
export { listEdgeEndpoints, setServerState, type ServerState } from "./endpoints.js";
export { EdgeError, type EdgeErrorCode } from "./errors.js";
export { reloadViaMaster, showProc, type ReloadResult } from "./master.js";
export { socketCommand } from "./socket-cli.js";
export type { EdgeTarget } from "../../ports/edge.js";
