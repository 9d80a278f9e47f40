export { executePlan } from "./plan.js";
export type * from "./context.js";
export { isHealthyOutcome } from "./context.js";
export { waitHealthy, DEFAULT_POLL_MS } from "./wait-healthy.js";
