// The shapes of documents that passed their schema: what the YAML holds
// before normalisation. They mirror schemas/*.schema.json; the schema is
// the guard, so normalisers may rely on these types.

export type Scalar = string | number | boolean;
/** environment: map values may be left empty (`KEY:`), taking KEY from the variables. */
export type EnvValue = Scalar | null;
export type KeyValues = Readonly<Record<string, Scalar>> | readonly string[];
export type CommandLine = string | readonly string[];

export interface RawPort {
  readonly target: number;
  readonly published?: number | string;
  readonly protocol?: "tcp" | "udp";
  readonly mode?: "ingress" | "host";
  readonly app_protocol?: "http" | "tcp";
  readonly proxy_protocol?: boolean;
}

export interface RawVolume {
  readonly type: "volume" | "bind" | "tmpfs";
  readonly source?: string;
  readonly target: string;
  readonly read_only?: boolean;
}

export interface RawHealthcheck {
  readonly test?: CommandLine;
  readonly interval?: string;
  readonly timeout?: string;
  readonly retries?: number;
  readonly start_period?: string;
  readonly start_interval?: string;
  readonly disable?: boolean;
}

export interface RawResourceSet {
  readonly cpus?: string | number;
  readonly memory?: string | number;
}

export interface RawUpdateConfig {
  readonly parallelism?: number;
  readonly delay?: string;
  readonly order?: "start-first" | "stop-first";
  readonly failure_action?: "rollback" | "pause" | "continue";
  readonly monitor?: string;
  readonly max_failure_ratio?: number;
}

export interface RawDeploy {
  readonly mode?: "replicated" | "global";
  readonly replicas?: number;
  readonly resources?: { readonly limits?: RawResourceSet; readonly reservations?: RawResourceSet };
  readonly placement?: {
    readonly constraints?: readonly string[];
    readonly preferences?: readonly { readonly spread: string }[];
    readonly max_replicas_per_node?: number;
  };
  readonly update_config?: RawUpdateConfig;
  readonly rollback_config?: RawUpdateConfig;
  readonly restart_policy?: {
    /** Swarm's any/on-failure/none, and docker compose's always/unless-stopped (any) and no (none). */
    readonly condition?: "any" | "on-failure" | "none" | "always" | "unless-stopped" | "no";
    readonly delay?: string;
    readonly max_attempts?: number;
    readonly window?: string;
  };
}

export interface RawService {
  readonly kind: "Service";
  readonly name: string;
  readonly image: string;
  readonly command?: CommandLine;
  readonly entrypoint?: CommandLine;
  readonly environment?: Readonly<Record<string, EnvValue>> | readonly string[];
  readonly env_secrets?: Readonly<Record<string, string>>;
  readonly ports?: readonly (RawPort | string | number)[];
  readonly healthcheck?: RawHealthcheck;
  readonly depends_on?: readonly string[] | Readonly<Record<string, unknown>>;
  readonly volumes?: readonly (RawVolume | string)[];
  readonly labels?: KeyValues;
  readonly stop_grace_period?: string;
  readonly user?: string | number;
  readonly read_only?: boolean;
  readonly cap_add?: readonly string[];
  readonly cap_drop?: readonly string[];
  readonly privileged?: boolean;
  readonly network_mode?: "host";
  readonly deploy?: RawDeploy;
  // Compose keys with their Compose meaning (compose/keys.ts decides every key's fate).
  readonly restart?: string;
  readonly env_file?: string | readonly (string | { readonly path: string; readonly required?: boolean })[];
  readonly expose?: readonly (string | number)[];
  readonly tmpfs?: string | readonly string[];
  readonly stop_signal?: string;
  readonly working_dir?: string;
  readonly init?: boolean;
  readonly hostname?: string;
  readonly domainname?: string;
  readonly extra_hosts?: readonly string[] | Readonly<Record<string, string | readonly string[]>>;
  readonly dns?: string | readonly string[];
  readonly dns_search?: string | readonly string[];
  readonly dns_opt?: readonly string[];
  readonly stdin_open?: boolean;
  readonly tty?: boolean;
  readonly shm_size?: string | number;
  readonly ulimits?: Readonly<Record<string, number | { readonly soft?: number; readonly hard?: number }>>;
  readonly logging?: {
    readonly driver?: string;
    readonly options?: Readonly<Record<string, string | number | boolean | null>>;
  };
  readonly pids_limit?: number;
  readonly group_add?: readonly (string | number)[];
  readonly security_opt?: readonly string[];
  readonly sysctls?: Readonly<Record<string, Scalar>> | readonly string[];
  readonly pid?: "host";
  readonly ipc?: "host" | "private" | "shareable";
  readonly mem_limit?: string | number;
  readonly mem_reservation?: string | number;
  readonly cpus?: string | number;
  readonly cpu_shares?: number;
  readonly scale?: number;
}

export interface RawHost {
  readonly name: string;
  readonly docker: string;
  readonly tls?: string;
  readonly address: string;
  readonly labels?: Readonly<Record<string, Scalar>>;
  readonly capacity?: RawResourceSet;
  readonly drain?: boolean;
  readonly move_data?: boolean;
}

export interface RawVolumeDecl {
  readonly driver?: string;
  readonly driver_opts?: Readonly<Record<string, Scalar>>;
  readonly "x-gitfleet-recreatable"?: boolean;
}

export interface RawCluster {
  readonly kind: "Cluster";
  readonly name: string;
  readonly hosts: readonly RawHost[];
  readonly edge?: { readonly image?: string };
  readonly policy?: {
    readonly allow_privileged?: boolean;
    readonly allow_host_network?: boolean;
    readonly allow_bind_mounts?: readonly string[];
  };
  readonly defaults?: RawDeploy;
  readonly settings?: {
    readonly rebalance?: boolean;
    readonly host_down_after?: string;
    readonly host_stable_after?: string;
    readonly max_moves_per_minute?: number;
    readonly volume_helper_image?: string;
    readonly max_removal_share?: number;
    readonly allow_mass_removal?: boolean;
  };
  readonly volumes?: Readonly<Record<string, RawVolumeDecl | null>>;
  readonly sync_windows?: readonly {
    readonly kind?: "deny";
    readonly schedule: string;
    readonly time_zone?: string;
    readonly duration: string;
    readonly description?: string;
  }[];
}
