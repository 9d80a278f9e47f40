// What Docker is asked to create for one replica: the Engine API body built
// from a ServiceSpec, its slot, the commit and the resolved env secrets.
// Every managed container carries the gitfleet.* labels from which the
// observed state is rebuilt after an operator restart.

import path from "node:path";
import type { ContainerCreateOptions, MountSettings } from "dockerode";
import { clusterNetworkName, containerName, stackNetworkName } from "../../model/names.js";
import { LABELS } from "../../model/observed.js";
import type {
  ClusterPolicy,
  ContainerOptions,
  ServiceSpec,
  VolumeDecl,
  VolumeSpec,
} from "../../model/spec.js";
import { VOLUME_LABELS, volumeName } from "../../model/volumes.js";

export { volumeName } from "../../model/volumes.js";

export interface ReplicaRequest {
  readonly cluster: string;
  readonly service: ServiceSpec;
  readonly slot: string;
  readonly commit: string;
  /** env var name → value, resolved from the secret store; never logged. */
  readonly secretEnv: Readonly<Record<string, string>>;
  /** A stack's secrets: path in the container → value, resolved from the secret store; never logged. */
  readonly secretFiles?: Readonly<Record<string, string>>;
  /** The host's address: published and edge-backend ports bind only there. */
  readonly hostAddress: string;
  readonly policy: ClusterPolicy;
  /** Carried over from the replica this one replaces, so restarts are counted across containers. */
  readonly restarts?: number;
  /** The leadership term creating it, when operators run as a standby group. */
  readonly epoch?: number;
  /** Defaults to the cluster network. */
  readonly network?: string;
  /** cluster.yaml's volume declarations (driver and options of volumes created for this replica). */
  readonly volumes?: Readonly<Record<string, VolumeDecl>>;
}

export class PolicyError extends Error {
  readonly code = "policy";
  constructor(message: string) {
    super(message);
    this.name = "PolicyError";
  }
}

const DOCKER_SOCKETS = ["/var/run/docker.sock", "/run/docker.sock"];

export function replicaName(req: ReplicaRequest): string {
  return containerName(req.cluster, req.service.name, req.slot, req.service.specHash);
}

export function replicaLabels(req: ReplicaRequest): Record<string, string> {
  const own: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.service.labels)) {
    if (!k.startsWith("gitfleet.")) own[k] = v;
  }
  return {
    ...own,
    [LABELS.cluster]: req.cluster,
    [LABELS.service]: req.service.name,
    [LABELS.slot]: req.slot,
    [LABELS.specHash]: req.service.specHash,
    [LABELS.commit]: req.commit,
    [LABELS.role]: "replica",
    [LABELS.restarts]: String(req.restarts ?? 0),
    ...(req.epoch !== undefined ? { [LABELS.epoch]: String(req.epoch) } : {}),
  };
}

// eslint-disable-next-line max-lines-per-function -- Docker's create request built field by field from the spec, read as one table
export function buildCreateOptions(req: ReplicaRequest): ContainerCreateOptions {
  const s = req.service;
  if (s.privileged && !req.policy.allowPrivileged)
    throw new PolicyError(`${s.name}: privileged is not allowed`);
  const hostNetwork = s.networkMode === "host";
  if (hostNetwork && !req.policy.allowHostNetwork)
    throw new PolicyError(`${s.name}: host network is not allowed`);
  // A stack's service joins its stack networks (the first at create, the others before it starts).
  const network = replicaNetworks(req)[0] ?? clusterNetworkName(req.cluster);
  const env = [...Object.entries(s.environment), ...Object.entries(req.secretEnv)].map(
    ([k, v]) => `${k}=${v}`,
  );

  const exposed: Record<string, object> = {};
  const bindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const p of s.ports) {
    const key = `${p.target}/${p.protocol}`;
    exposed[key] = {};
    // Ingress ports get an ephemeral host port (the edge's backend); host-mode
    // published ports take their own number. Both bind to the host address only.
    const hostPort = p.mode === "host" && p.published !== undefined ? String(p.published) : "";
    (bindings[key] ??= []).push({ HostIp: req.hostAddress, HostPort: hostPort });
  }

  const opts: ContainerCreateOptions = {
    name: replicaName(req),
    Image: s.image,
    Env: env,
    Labels: replicaLabels(req),
    ExposedPorts: exposed,
    StopTimeout: Math.ceil(s.stopGracePeriodMs / 1000),
    HostConfig: {
      RestartPolicy: { Name: "no" }, // gitfleet heals itself: it counts restarts and may move replicas
      ReadonlyRootfs: s.readOnly,
      CapAdd: [...s.capAdd],
      CapDrop: [...s.capDrop],
      Privileged: s.privileged,
      Mounts: s.volumes.map((v) => mount(req, v)),
      NetworkMode: hostNetwork ? "host" : network,
      ...(hostNetwork ? {} : { PortBindings: bindings }),
      ...(s.deploy.limits.nanoCpus > 0 ? { NanoCpus: s.deploy.limits.nanoCpus } : {}),
      ...(s.deploy.limits.memoryBytes > 0 ? { Memory: s.deploy.limits.memoryBytes } : {}),
    },
    // No service-name alias: on the cluster network the service's name belongs to
    // the host's edge, which balances over healthy replicas on every host. A
    // replica stays reachable by its container name.
    ...(hostNetwork ? {} : { NetworkingConfig: { EndpointsConfig: { [network]: {} } } }),
  };
  if (s.command !== undefined) opts.Cmd = [...s.command];
  if (s.entrypoint !== undefined) opts.Entrypoint = [...s.entrypoint];
  if (s.user !== undefined) opts.User = s.user;
  if (s.container !== undefined) applyContainerOptions(opts, s.container);
  if (s.healthcheck !== undefined) {
    const h = s.healthcheck;
    const ns = 1_000_000;
    opts.Healthcheck = {
      Test: [...h.test],
      Interval: h.intervalMs * ns,
      Timeout: h.timeoutMs * ns,
      Retries: h.retries,
      StartPeriod: h.startPeriodMs * ns,
    };
  }
  return opts;
}

/** Compose's further keys (init, working_dir, tmpfs, ulimits, logging, ...) as Docker's create options. */
export function applyContainerOptions(opts: ContainerCreateOptions, c: ContainerOptions): void {
  const host = (opts.HostConfig ??= {});
  if (c.init !== undefined) host.Init = c.init;
  if (c.workingDir !== undefined) opts.WorkingDir = c.workingDir;
  if (c.hostname !== undefined) opts.Hostname = c.hostname;
  if (c.domainname !== undefined) opts.Domainname = c.domainname;
  if (c.extraHosts !== undefined) host.ExtraHosts = [...c.extraHosts];
  if (c.stopSignal !== undefined) opts.StopSignal = c.stopSignal;
  if (c.tmpfs !== undefined) host.Tmpfs = { ...c.tmpfs };
  if (c.expose !== undefined) {
    const exposed = (opts.ExposedPorts ??= {});
    for (const p of c.expose) exposed[p] = {};
  }
  if (c.dns !== undefined) host.Dns = [...c.dns];
  if (c.dnsSearch !== undefined) host.DnsSearch = [...c.dnsSearch];
  if (c.dnsOptions !== undefined) host.DnsOptions = [...c.dnsOptions];
  if (c.stdinOpen !== undefined) opts.OpenStdin = c.stdinOpen;
  if (c.tty !== undefined) opts.Tty = c.tty;
  if (c.shmSizeBytes !== undefined) host.ShmSize = c.shmSizeBytes;
  if (c.ulimits !== undefined)
    host.Ulimits = c.ulimits.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard }));
  if (c.logging !== undefined) host.LogConfig = { Type: c.logging.driver, Config: { ...c.logging.options } };
  if (c.pidsLimit !== undefined) host.PidsLimit = c.pidsLimit;
  if (c.groupAdd !== undefined) host.GroupAdd = [...c.groupAdd];
  if (c.securityOpt !== undefined) host.SecurityOpt = [...c.securityOpt];
  if (c.sysctls !== undefined) host.Sysctls = { ...c.sysctls };
  if (c.pidMode !== undefined) host.PidMode = c.pidMode;
  if (c.ipcMode !== undefined) host.IpcMode = c.ipcMode;
  if (c.cpuShares !== undefined) host.CpuShares = c.cpuShares;
}

function mount(req: ReplicaRequest, v: VolumeSpec): MountSettings {
  const common = { Target: v.target, ReadOnly: v.readOnly };
  if (v.type === "tmpfs") return { ...common, Type: "tmpfs", Source: "" };
  if (v.type === "bind") {
    const source = v.source ?? "";
    const readOnlyFile =
      v.readOnly && (req.policy.readOnlyBinds ?? []).includes(path.posix.normalize(source));
    if (
      !bindAllowed(source, req.policy.allowBindMounts) &&
      !(readOnlyFile && bindAllowed(source, [source]))
    ) {
      throw new PolicyError(`${req.service.name}: bind mount ${JSON.stringify(source)} is outside policy`);
    }
    return { ...common, Type: "bind", Source: path.posix.normalize(source) };
  }
  if (v.source === undefined) return { ...common, Type: "volume", Source: "" };
  const decl = req.volumes?.[v.source];
  return {
    ...common,
    Type: "volume",
    Source: volumeName(req.cluster, v.source),
    // Used by Docker only when it creates the volume: the slot that first mounts it owns it,
    // and that is what binds the slot to this host (see schedule/volume-affinity.ts).
    VolumeOptions: {
      NoCopy: false,
      Labels: {
        [LABELS.cluster]: req.cluster,
        [LABELS.service]: req.service.name,
        [LABELS.slot]: req.slot,
        [VOLUME_LABELS.volume]: v.source,
      },
      DriverConfig: { Name: decl?.driver ?? "local", Options: { ...decl?.driverOpts } },
    },
  };
}

/** The Docker networks a replica joins: its stack networks, else the cluster network (or `req.network`). */
export function replicaNetworks(req: ReplicaRequest): string[] {
  if (req.service.networkMode === "host") return [];
  const stack = req.service.networks;
  if (stack !== undefined && stack.length > 0) return stack.map((n) => stackNetworkName(req.cluster, n.name));
  return [req.network ?? clusterNetworkName(req.cluster)];
}

/** Inside an allowed prefix (by path segments) and never the Docker socket. */
export function bindAllowed(source: string, allowed: readonly string[]): boolean {
  if (!source.startsWith("/")) return false;
  const p = path.posix.normalize(source);
  if (DOCKER_SOCKETS.some((sock) => p === sock || sock.startsWith(`${p}/`) || p === "/")) return false;
  return allowed.some((prefix) => {
    const a = path.posix.normalize(prefix).replace(/\/+$/, "");
    return a !== "" && (p === a || p.startsWith(`${a}/`));
  });
}
