// The operator's own configuration, normalised: absolute paths, durations in
// ms, listen addresses split. Produced by parseOperatorConfig.

import type { ConfigWarning } from "./errors.js";
import type { Ceiling } from "../model/ceiling.js";
import type { LeaderElectionConfig } from "./leader-election.js";
import type { LimitsConfig } from "./limits.js";
import type { TasksConfig } from "./tasks.js";
import type { HealthConfig, MetricsConfig, NotificationsConfig } from "./outward.js";

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
  /** As written, for messages. */
  readonly text: string;
}

export type RefSelector =
  | { readonly kind: "branch"; readonly value: string }
  | { readonly kind: "tag"; readonly value: string }
  | { readonly kind: "semver"; readonly value: string };

export interface RepositoryConfig {
  /** Exactly one of url and path is set. */
  readonly url?: string;
  readonly path?: string;
  readonly ref: RefSelector;
  readonly credentialsFile?: string;
  /** Apply a commit that does not descend from the applied one (never with signature verification). */
  readonly allowForcePush?: boolean;
}

export interface StatusConfig {
  /** The branch status is committed to (the watched branch itself when sameBranch). */
  readonly branch: string;
  readonly sameBranch: boolean;
}

export interface WebhookConfig {
  readonly listen: ListenAddress;
  /** Filled from secret_file by loadOperatorConfig. Never logged. */
  readonly secret?: string;
  readonly secretFile?: string;
}

export interface DockerClientConfig {
  readonly concurrency: number;
  readonly callTimeoutMs: number;
  readonly pingTimeoutMs: number;
  readonly pullTimeoutMs: number;
}

export interface OperatorConfig {
  /** The file it came from, absolute; undefined when configured by environment only. */
  readonly file?: string;
  /** What loads but takes no effect (a webhook without a secret is not started). */
  readonly warnings?: readonly ConfigWarning[];
  readonly repository: RepositoryConfig;
  /** node-cron expression with seconds. */
  readonly poll: string;
  readonly status: StatusConfig;
  readonly secretsDir: string;
  readonly workDir: string;
  readonly webhook?: WebhookConfig;
  readonly signature: { readonly trustedKeyFiles: readonly string[] };
  /** /metrics, /healthz and /readyz; off when the section is absent. */
  readonly metrics?: MetricsConfig;
  /** What /readyz and the "Git unreachable" notification call healthy. */
  readonly health: HealthConfig;
  /** Where transitions are told (a signed JSON webhook, forge commit statuses); none when absent. */
  readonly notifications?: NotificationsConfig;
  /** Standby operators electing a leader on etcd; absent: one instance (cluster lock). */
  readonly leaderElection?: LeaderElectionConfig;
  readonly docker: DockerClientConfig;
  /** The most the watched repository may ask for (baseline profile when not configured). */
  readonly ceiling: Ceiling;
  readonly limits: LimitsConfig;
  /** Replica tasks running at once per host and in the fleet; absent: admission.ts's defaults. */
  readonly tasks?: TasksConfig;
  /**
   * The JS heap in use above which a full collection is asked for; 0: V8's own pace only;
   * absent: DEFAULT_HEAP_TARGET_BYTES.
   */
  readonly heapTargetBytes?: number;
  /**
   * Interpolation variables for the repository's specs: `variables:` plus the
   * environment variables `variables_from_environment:` names (`variables:` wins).
   */
  readonly variables?: Readonly<Record<string, string>>;
}

export const CONFIG_DEFAULTS = {
  branch: "main",
  // Once a minute, like Flux (Argo CD: 3 min); a webhook is the fast path.
  poll: "0 * * * * *",
  statusBranch: "gitfleet/status",
  secretsDir: "secrets",
  workDir: ".gitfleet",
  webhookListen: "127.0.0.1:9000",
  concurrency: 4,
  callTimeoutMs: 30_000,
  pingTimeoutMs: 2_000,
  pullTimeoutMs: 600_000,
} as const;
