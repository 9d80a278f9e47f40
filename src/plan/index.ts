export { plan } from "./plan.js";
export { planIncremental, type PlanMemo } from "./incremental.js";
export { explain, NO_CHANGES } from "./explain.js";
export type * from "./types.js";
