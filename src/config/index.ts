// Operator configuration: schemas/operator.schema.json plus GITFLEET_* overrides.

export { loadOperatorConfig, type LoadOptions } from "./load.js";
export { parseOperatorConfig, parseListen, type ParseOptions } from "./parse.js";
export {
  CONFIG_ERROR_CODES,
  CONFIG_WARNING_CODES,
  ConfigError,
  formatConfigWarning,
  formatIssue,
  type ConfigErrorCode,
  type ConfigIssue,
  type ConfigPlace,
  type ConfigWarning,
  type ConfigWarningCode,
} from "./errors.js";
export { ENV_OVERRIDES, type Env } from "./env.js";
export * from "./types.js";
export { DEFAULT_LIMITS, DEFAULT_LOAD_TIMEOUT_MS, type LimitsConfig } from "./limits.js";
export { DEFAULT_HEAP_TARGET_BYTES } from "./memory.js";
export { type TasksConfig } from "./tasks.js";
export {
  DEFAULT_HEALTH,
  DEFAULT_METRICS_LISTEN,
  DEFAULT_STATUS_CONTEXT,
  type CommitStatusConfig,
  type ForgeKind,
  type HealthConfig,
  type MetricsConfig,
  type NotificationsConfig,
  type NotifyWebhookConfig,
} from "./outward.js";
