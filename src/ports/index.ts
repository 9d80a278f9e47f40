// The ports (interfaces) through which the controller reaches the outside
// world, one file per kind: Git, secrets, time, logger, Docker hosts and their
// volumes and edge, the host book. Adapters implement them; unit tests wire
// fakes (test/support/fakes), the rest real servers.

export type * from "./git.js";
export type * from "./secrets.js";
export type { Clock, Time } from "./time.js";
export type { Logger, LogFn } from "./logger.js";
export { silentLogger } from "./logger.js";
