// The ceiling: the most a repository may ask for, set by the operator's admin
// in the operator configuration (never in the watched repository). cluster.yaml's
// `policy:` may only narrow it. With no configuration it is Kubernetes'
// "baseline" Pod Security profile: no privileged containers, no host
// namespaces, no bind mounts, no devices, and only capabilities Docker grants
// by default.

/** Grants application secrets to services: both lists hold exact names or globs (`*`, `?`). */
export interface SecretGrant {
  readonly secrets: readonly string[];
  /** Service names (or globs) the grant applies to; undefined means every service. */
  readonly services?: readonly string[];
}

export interface Ceiling {
  /** Docker endpoints (exact or glob) the repository may name; undefined: any (not pinned). */
  readonly endpoints?: readonly string[];
  /** The only cluster name the repository may use; undefined: not pinned. */
  readonly cluster?: string;
  readonly allowPrivileged: boolean;
  readonly allowHostNetwork: boolean;
  readonly allowHostPid: boolean;
  readonly allowHostIpc: boolean;
  /** Host path prefixes bind mounts may use. The Docker socket is refused whatever this says. */
  readonly allowBindMounts: readonly string[];
  /**
   * Host files (exact paths) a service may bind read-only even where allowBindMounts does not
   * reach: by default the host's time zone (/etc/localtime, /etc/timezone), which Compose files
   * commonly mount so the container keeps the host's clock zone. Read-write binds of them are not
   * allowed by this list.
   */
  readonly readOnlyBinds: readonly string[];
  /** Device path prefixes (no service key asks for devices yet; kept so the ceiling is complete). */
  readonly allowDevices: readonly string[];
  /** Capabilities cap_add may name, upper case without CAP_; "ALL" allows every one. */
  readonly capAdd: readonly string[];
  readonly maxReplicasPerService: number;
  /** undefined: no cap. */
  readonly maxReplicasTotal?: number;
  readonly maxMemoryBytesPerReplica?: number;
  readonly maxNanoCpusPerReplica?: number;
  /** Which application secrets env_secrets may name. */
  readonly secrets: readonly SecretGrant[];
  /**
   * security_opt entries a service may set besides no-new-privileges (exact or glob, e.g.
   * "seccomp=*"); undefined: none.
   */
  readonly securityOpt?: readonly string[];
  /** sysctls a service may set (exact or glob); undefined: Kubernetes' safe set (SAFE_SYSCTLS). */
  readonly sysctls?: readonly string[];
}

/** Kubernetes' "safe" sysctls: namespaced, and unable to affect other containers on the host. */
export const SAFE_SYSCTLS: readonly string[] = [
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
];

/** Whether a security_opt entry is within the ceiling: no-new-privileges always is (it only narrows). */
export function securityOptAllowed(ceiling: Ceiling, opt: string): boolean {
  const o = opt.trim();
  if (/^no-new-privileges(?:[:=]true)?$/.test(o)) return true;
  return matchesAny(ceiling.securityOpt ?? [], o);
}

export function sysctlAllowed(ceiling: Ceiling, name: string): boolean {
  return matchesAny(ceiling.sysctls ?? SAFE_SYSCTLS, name);
}

/**
 * Docker's default capability set (moby's oci/caps/defaults.go): adding one of
 * these back after cap_drop grants nothing Docker does not grant by default.
 */
export const DOCKER_DEFAULT_CAPABILITIES: readonly string[] = [
  "AUDIT_WRITE",
  "CHOWN",
  "DAC_OVERRIDE",
  "FOWNER",
  "FSETID",
  "KILL",
  "MKNOD",
  "NET_BIND_SERVICE",
  "NET_RAW",
  "SETFCAP",
  "SETGID",
  "SETPCAP",
  "SETUID",
  "SYS_CHROOT",
];

export const DEFAULT_MAX_REPLICAS_PER_SERVICE = 10_000;

/**
 * Host files any service may bind read-only by default: the time zone. They reveal nothing a
 * container cannot learn from its own clock, and read-only they cannot change the host.
 */
export const DEFAULT_READ_ONLY_BINDS: readonly string[] = ["/etc/localtime", "/etc/timezone"];

export const BASELINE_CEILING: Ceiling = {
  allowPrivileged: false,
  allowHostNetwork: false,
  allowHostPid: false,
  allowHostIpc: false,
  allowBindMounts: [],
  readOnlyBinds: DEFAULT_READ_ONLY_BINDS,
  allowDevices: [],
  capAdd: DOCKER_DEFAULT_CAPABILITIES,
  maxReplicasPerService: DEFAULT_MAX_REPLICAS_PER_SERVICE,
  secrets: [{ secrets: ["*"] }],
};

/** "cap_sys_admin", "CAP_SYS_ADMIN" and "sys_admin" are one capability: "SYS_ADMIN". */
export function capabilityName(text: string): string {
  const upper = text.trim().toUpperCase();
  return upper.startsWith("CAP_") ? upper.slice(4) : upper;
}

export function capabilityAllowed(ceiling: Ceiling, cap: string): boolean {
  const name = capabilityName(cap);
  return ceiling.capAdd.some((c) => {
    const allowed = capabilityName(c);
    return allowed === "ALL" || allowed === name;
  });
}

/** Whether `text` matches one of the patterns: exact, or a glob where `*` is any run and `?` one character. */
export function matchesAny(patterns: readonly string[], text: string): boolean {
  return patterns.some((p) => globMatch(p, text));
}

export function globMatch(pattern: string, text: string): boolean {
  if (!pattern.includes("*") && !pattern.includes("?")) return pattern === text;
  // Iterative matcher with one backtrack point: linear in practice, no regex built from input.
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    const c = pattern[p];
    if (c === "?" || (c !== undefined && c !== "*" && c === text[t])) {
      p++;
      t++;
    } else if (c === "*") {
      star = p++;
      mark = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (pattern[p] === "*") p++;
  return p === pattern.length;
}

/** Whether the ceiling lets the endpoint be managed (and receive the secrets its replicas need). */
export function endpointAllowed(ceiling: Ceiling, endpoint: string): boolean {
  return ceiling.endpoints === undefined || matchesAny(ceiling.endpoints, endpoint);
}

/**
 * Whether secret values (application secrets, registry credentials) may be sent to
 * the endpoint: only to engines the operator listed. With `endpoints` unset any
 * engine may be managed, but none receives a secret: a commit could otherwise add
 * an engine it controls and collect them.
 */
export function secretsMayGoTo(ceiling: Ceiling, endpoint: string): boolean {
  return ceiling.endpoints !== undefined && matchesAny(ceiling.endpoints, endpoint);
}

/** Whether service `service` may read application secret `secret`. */
export function secretGranted(ceiling: Ceiling, service: string, secret: string): boolean {
  return ceiling.secrets.some(
    (g) => matchesAny(g.secrets, secret) && (g.services === undefined || matchesAny(g.services, service)),
  );
}
