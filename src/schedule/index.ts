export { schedule } from "./schedule.js";
export { scheduleIncremental, type ScheduleState } from "./incremental.js";
export { compareReplicas, healthRank, isHealthy } from "./replica-order.js";
export { compareSlots, slotNumber } from "./slots.js";
export type * from "./types.js";
