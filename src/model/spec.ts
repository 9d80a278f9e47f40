// The normalised, typed desired state. Everything the spec loader produces and
// everything schedule/plan/status/edge consume. Units are fixed here so no
// other layer parses strings: durations in ms, sizes in bytes, CPUs in
// nano-CPUs (1 CPU = 1e9), as the Docker Engine API expects.

/** Where a value came from in the repository, for messages that point at it. */
export interface SourceRef {
  readonly path: string;
  readonly line: number;
  readonly col: number;
}

export interface Resources {
  readonly nanoCpus: number;
  readonly memoryBytes: number;
}

export type Protocol = "tcp" | "udp";
export type PortMode = "ingress" | "host";

export interface PortSpec {
  readonly target: number;
  readonly protocol: Protocol;
  /** Reachable from outside at this port (ingress: every host's edge; host: the replica's host). */
  readonly published?: number;
  readonly mode: PortMode;
  /** `proxy_protocol: true`: the edge sends a PROXY v2 header (the client's address) on every connection. */
  readonly proxyProtocol?: boolean;
  /**
   * `app_protocol` (Compose's key): "http" lets the edge route by Host and add X-Forwarded-For.
   * Absent: HTTP when the healthcheck probes http:// on this port, else TCP.
   */
  readonly appProtocol?: "http" | "tcp";
}

export interface HealthcheckSpec {
  /** Docker's form: ["CMD", ...], ["CMD-SHELL", "..."]. */
  readonly test: readonly string[];
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly startPeriodMs: number;
}

export interface VolumeSpec {
  readonly type: "volume" | "bind" | "tmpfs";
  readonly source?: string;
  readonly target: string;
  readonly readOnly: boolean;
}

export type FailureAction = "rollback" | "pause" | "continue";
export type UpdateOrder = "start-first" | "stop-first";

export interface UpdateConfig {
  readonly parallelism: number; // 0 = all at once, as in Swarm
  readonly delayMs: number;
  readonly order: UpdateOrder;
  readonly failureAction: FailureAction;
  readonly monitorMs: number;
  readonly maxFailureRatio: number;
}

export interface RestartPolicy {
  readonly condition: "any" | "on-failure" | "none";
  readonly delayMs: number;
  readonly maxAttempts: number; // 0 = unlimited
  readonly windowMs: number; // 0 = unbounded
}

export type ConstraintOp = "==" | "!=";

export interface Constraint {
  /** "node.hostname" | "node.labels.<key>" | "node.id" (same as hostname here). */
  readonly key: string;
  readonly op: ConstraintOp;
  readonly value: string;
  /** As written, for reasons: "node.labels.zone == eu-1". */
  readonly raw: string;
}

export interface SpreadPreference {
  /** e.g. "node.labels.zone" */
  readonly spread: string;
}

export interface DeploySpec {
  readonly mode: "replicated" | "global";
  readonly replicas: number;
  readonly limits: Resources; // 0 = unlimited
  readonly reservations: Resources; // 0 = nothing reserved
  readonly placement: {
    readonly constraints: readonly Constraint[];
    readonly preferences: readonly SpreadPreference[];
    readonly maxReplicasPerNode: number; // 0 = unlimited
  };
  readonly updateConfig: UpdateConfig;
  readonly rollbackConfig: UpdateConfig;
  readonly restartPolicy: RestartPolicy;
}

/** A network a stack's replicas join (stacks/<stack>/compose.yaml `networks:`). */
export interface ServiceNetwork {
  /** The network's name in the cluster: `<stack>_<key>` (Compose's project prefix), or its `name:` when set or external. */
  readonly name: string;
  /** The names the service answers to on this network (its Compose name, its full name, `aliases:`). */
  readonly aliases: readonly string[];
}

/** A file placed in every container of a service before it starts (a stack's `configs:`). */
export interface ServiceFile {
  /** Absolute path in the container. */
  readonly target: string;
  /** The file's bytes, base64 (a config may be any file of the repository). */
  readonly contentBase64: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

/** A secret of the operator's secret store placed as a file in every container (a stack's `secrets:`). */
export interface SecretFile {
  /** Absolute path in the container (/run/secrets/<name> unless the Compose file says). */
  readonly target: string;
  /** The application secret's name in the store (its env/ folder). Never a value. */
  readonly secret: string;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

/** Where a service from a stack came from. */
export interface StackOrigin {
  /** The stack's folder name (stacks/<stack>/). */
  readonly name: string;
  /** The service's name in the Compose file. */
  readonly service: string;
}

export interface ServiceSpec {
  /** Unique in the repository; a stack's service is `<stack>_<service>`, as Swarm names it. */
  readonly name: string;
  readonly image: string;
  readonly command?: readonly string[];
  readonly entrypoint?: readonly string[];
  readonly environment: Readonly<Record<string, string>>;
  /** env var name → secret name in the operator's secret store. Never a value. */
  readonly envSecrets: Readonly<Record<string, string>>;
  readonly ports: readonly PortSpec[];
  readonly healthcheck?: HealthcheckSpec;
  readonly dependsOn: readonly string[];
  readonly volumes: readonly VolumeSpec[];
  readonly labels: Readonly<Record<string, string>>;
  readonly stopGracePeriodMs: number;
  readonly user?: string;
  readonly readOnly: boolean;
  readonly capAdd: readonly string[];
  readonly capDrop: readonly string[];
  readonly privileged: boolean;
  readonly networkMode?: "host";
  readonly deploy: DeploySpec;
  /**
   * Compose's container settings beyond the core ones (init, working_dir, tmpfs, ulimits, ...):
   * absent when the service sets none, so specs written before they existed keep their hash.
   */
  readonly container?: ContainerOptions;
  /** Set for a service of a stack (stacks/<stack>/compose.yaml). */
  readonly stack?: StackOrigin;
  /**
   * A stack's service joins these networks (at least its stack's default one) instead of the
   * cluster network, and is found by name only on them. Absent: the cluster network.
   */
  readonly networks?: readonly ServiceNetwork[];
  /** Files placed in each container before it starts (a stack's configs); absent: none. */
  readonly files?: readonly ServiceFile[];
  /** Secrets of the operator's store placed as files before it starts (a stack's secrets:); absent: none. */
  readonly secretFiles?: readonly SecretFile[];
  /**
   * Stable hash of everything that shapes a container (not deploy.replicas,
   * placement or update_config): a change means replicas must be replaced.
   */
  readonly specHash: string;
  readonly source: SourceRef;
}

/** Compose service keys passed to Docker as they are; each is set only when the service sets it. */
export interface ContainerOptions {
  readonly init?: boolean;
  readonly workingDir?: string;
  readonly hostname?: string;
  readonly domainname?: string;
  /** "host:ip" lines for /etc/hosts. */
  readonly extraHosts?: readonly string[];
  readonly stopSignal?: string;
  /** path → mount options ("" for none). */
  readonly tmpfs?: Readonly<Record<string, string>>;
  /** "port/protocol" */
  readonly expose?: readonly string[];
  readonly dns?: readonly string[];
  readonly dnsSearch?: readonly string[];
  readonly dnsOptions?: readonly string[];
  readonly stdinOpen?: boolean;
  readonly tty?: boolean;
  readonly shmSizeBytes?: number;
  readonly ulimits?: readonly { readonly name: string; readonly soft: number; readonly hard: number }[];
  readonly logging?: { readonly driver: string; readonly options: Readonly<Record<string, string>> };
  readonly pidsLimit?: number;
  readonly groupAdd?: readonly string[];
  readonly securityOpt?: readonly string[];
  readonly sysctls?: Readonly<Record<string, string>>;
  readonly pidMode?: "host";
  readonly ipcMode?: "host" | "private" | "shareable";
  readonly cpuShares?: number;
}

export interface HostSpec {
  readonly name: string;
  /** unix:///path | tcp://host:port | ssh://user@host */
  readonly docker: string;
  /** Name of a cert directory in the operator's secret store. */
  readonly tls?: string;
  readonly address: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Overrides what the engine reports; a missing field means "as reported". */
  readonly capacity: { readonly nanoCpus?: number; readonly memoryBytes?: number };
  readonly drain: boolean;
  /**
   * `move_data: true`: draining this host also moves replicas bound to it by
   * their volumes, copying the data (off by default: such replicas stay).
   */
  readonly moveData?: boolean;
  readonly source: SourceRef;
}

/** A named volume declared in cluster.yaml's `volumes:` (Compose's top-level volumes). */
export interface VolumeDecl {
  readonly driver: string;
  readonly driverOpts: Readonly<Record<string, string>>;
  /** `x-gitfleet-recreatable: true`: the data may be lost (a cache), so replicas are not bound to it. */
  readonly recreatable: boolean;
  readonly source: SourceRef;
}

export interface ClusterPolicy {
  readonly allowPrivileged: boolean;
  readonly allowHostNetwork: boolean;
  readonly allowBindMounts: readonly string[];
  /** Host files that may be bound read-only outside allowBindMounts (the ceiling's readOnlyBinds, narrowed). */
  readonly readOnlyBinds?: readonly string[];
}

export type { SyncWindow } from "./sync-window.js";
import type { SyncWindow } from "./sync-window.js";

export interface ClusterSettings {
  /** Move replicas to restore even spread when hosts join or return. */
  readonly rebalance: boolean;
  /** A host missing heartbeats this long is down. */
  readonly hostDownAfterMs: number;
  /** A returning host must answer steadily this long before it gets work. */
  readonly hostStableAfterMs: number;
  /**
   * Flap protection: replica moves per rolling minute, cluster-wide (moves off a down host are never held).
   * Optional so hand-built specs need not name it; the loader always sets it (default 30).
   */
  readonly maxMovesPerMinute?: number;
  /** The image of the helper containers that copy volumes when data moves (needs sh, find, sha256sum). */
  readonly volumeHelperImage?: string;
  /**
   * Guarded deletions: a commit may remove more than this share (0..1) of the running
   * services or replicas, or every service, only when allowed. Loader default 0.5.
   */
  readonly maxRemovalShare?: number;
  /** `settings.allow_mass_removal: true`: the guard is off for commits with this cluster.yaml. */
  readonly allowMassRemoval?: boolean;
}

export interface ClusterSpec {
  readonly name: string;
  readonly hosts: readonly HostSpec[];
  readonly edge: { readonly image: string };
  readonly policy: ClusterPolicy;
  readonly settings: ClusterSettings;
  /** Declared named volumes by name; a volume not declared is host-local. Optional for hand-built specs. */
  readonly volumes?: Readonly<Record<string, VolumeDecl>>;
  /** Deny windows: new commits wait while one is open (optional for hand-built specs). */
  readonly syncWindows?: readonly SyncWindow[];
  readonly source: SourceRef;
}

/** The whole desired state of one commit. Services sorted by name. */
export interface DesiredState {
  readonly cluster: ClusterSpec;
  readonly services: readonly ServiceSpec[];
}

export interface SpecError {
  readonly path: string;
  readonly line: number;
  readonly col: number;
  /** Stable machine code, e.g. "schema", "duplicate-service", "depends-on-cycle". */
  readonly code: string;
  readonly message: string;
}

/**
 * Something that loads but is probably not what was meant (a size without a unit,
 * an ignored file, a setting that takes no effect): reported, never rejected,
 * except by `--strict`. Same shape as an error; its codes are SPEC_WARNING_CODES.
 */
export type SpecWarning = SpecError;

/** `warnings` is always set by the spec loader; optional for hand-built results. */
export type LoadResult =
  | { readonly ok: true; readonly state: DesiredState; readonly warnings?: readonly SpecWarning[] }
  | { readonly ok: false; readonly errors: readonly SpecError[]; readonly warnings?: readonly SpecWarning[] };

/**
 * A file a reader saw but did not read, and why: larger than the per-file
 * limit, past the per-commit budget, or a symbolic link (never followed). The
 * loader reports each at its path; nothing of its content is known.
 */
export interface UnreadFile {
  readonly unread: "too-large" | "over-budget" | "symlink";
  /** Bytes the file would take (0 for a symlink). */
  readonly size: number;
}

export type RepoFile = string | Uint8Array | UnreadFile;

/** Repository content as the loader sees it: path (posix, relative to repo root) → bytes, text, or why it was not read. */
export type RepoFiles = ReadonlyMap<string, RepoFile>;
