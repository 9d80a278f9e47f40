// What the operator's ceiling forbids in services: capabilities outside the
// allowed set, more replicas or bigger replicas than the caps, and
// env_secrets naming anything but an application secret this service is
// granted. Each problem is reported at the line that asks and names the
// operator setting that forbids it.

import {
  capabilityAllowed,
  capabilityName,
  SAFE_SYSCTLS,
  secretGranted,
  securityOptAllowed,
  sysctlAllowed,
  type Ceiling,
} from "../model/ceiling.js";
import type { HostSpec } from "../model/spec.js";
import type { Problems } from "./errors.js";
import type { LoadedService } from "./normalise-service.js";
import { setting } from "./rules-ceiling.js";

/** First path segments of the store that never hold application secrets. */
const RESERVED_NAMESPACES = ["registry-auth", "tls", "operator", "ssh"];
/** Files of a host's TLS (or SSH) directory. */
const HOST_CREDENTIAL_FILES = ["ca.pem", "cert.pem", "key.pem", "id_key", "known_hosts"];

export function checkServicesCeiling(
  services: readonly LoadedService[],
  hosts: readonly HostSpec[] | undefined,
  ceiling: Ceiling,
  problems: Problems,
): void {
  let total = 0;
  for (const s of services) {
    checkCapabilities(s, ceiling, problems);
    checkContainerOptions(s, ceiling, problems);
    checkReplicas(s, ceiling, problems);
    checkResources(s, ceiling, problems);
    checkSecrets(s, hosts ?? [], ceiling, problems);
    total += s.spec.deploy.mode === "global" ? (hosts?.length ?? 0) : s.spec.deploy.replicas;
  }
  const cap = ceiling.maxReplicasTotal;
  if (cap !== undefined && total > cap) {
    // Reported at each service that adds replicas, the biggest first, so the fix is in view.
    const biggest = [...services].sort((a, b) => b.spec.deploy.replicas - a.spec.deploy.replicas)[0];
    if (biggest !== undefined) {
      problems.add(
        biggest.deployAt(["replicas"]),
        "ceiling-replicas-total",
        `the services ask for ${total} replicas in all, more than ${setting("max_replicas_total")} (${cap})`,
      );
    }
  }
}

function checkCapabilities(s: LoadedService, ceiling: Ceiling, problems: Problems): void {
  s.spec.capAdd.forEach((cap, i) => {
    if (capabilityAllowed(ceiling, cap)) return;
    problems.add(
      s.at(["cap_add", i]),
      "ceiling-cap-add",
      `cap_add ${capabilityName(cap)} is forbidden by ${setting("cap_add")} (allowed: ${ceiling.capAdd.map(capabilityName).join(", ") || "none"})`,
    );
  });
}

function checkContainerOptions(s: LoadedService, ceiling: Ceiling, problems: Problems): void {
  const c = s.spec.container;
  if (c === undefined) return;
  (c.securityOpt ?? []).forEach((opt, i) => {
    if (securityOptAllowed(ceiling, opt)) return;
    problems.add(
      s.at(["security_opt", i]),
      "ceiling-security-opt",
      `security_opt "${opt}" is forbidden by ${setting("security_opt")} (only no-new-privileges${ceiling.securityOpt?.length ? `, ${ceiling.securityOpt.join(", ")}` : ""} allowed)`,
    );
  });
  for (const name of Object.keys(c.sysctls ?? {})) {
    if (sysctlAllowed(ceiling, name)) continue;
    const at = Array.isArray(s.doc.value && (s.doc.value as Record<string, unknown>)["sysctls"])
      ? s.at(["sysctls"])
      : s.at(["sysctls", name], { key: true });
    problems.add(
      at,
      "ceiling-sysctl",
      `sysctl ${name} is forbidden by ${setting("sysctls")} (allowed: ${(ceiling.sysctls ?? SAFE_SYSCTLS).join(", ") || "none"})`,
    );
  }
  if (c.pidMode === "host" && !ceiling.allowHostPid) {
    problems.add(s.at(["pid"]), "ceiling-host-pid", `pid: host is forbidden by ${setting("allow_host_pid")}`);
  }
  if (c.ipcMode === "host" && !ceiling.allowHostIpc) {
    problems.add(s.at(["ipc"]), "ceiling-host-ipc", `ipc: host is forbidden by ${setting("allow_host_ipc")}`);
  }
}

function checkReplicas(s: LoadedService, ceiling: Ceiling, problems: Problems): void {
  const replicas = s.spec.deploy.replicas;
  if (replicas <= ceiling.maxReplicasPerService) return;
  problems.add(
    s.deployAt(["replicas"]),
    "ceiling-replicas",
    `deploy.replicas ${replicas} is more than ${setting("max_replicas_per_service")} (${ceiling.maxReplicasPerService})`,
  );
}

function checkResources(s: LoadedService, ceiling: Ceiling, problems: Problems): void {
  const { limits } = s.spec.deploy;
  const memCap = ceiling.maxMemoryBytesPerReplica;
  if (memCap !== undefined && (limits.memoryBytes === 0 || limits.memoryBytes > memCap)) {
    const asked =
      limits.memoryBytes === 0
        ? "no memory limit (unlimited)"
        : `a memory limit of ${bytes(limits.memoryBytes)}`;
    problems.add(
      s.deployAt(["resources", "limits", "memory"]),
      "ceiling-memory",
      `${s.spec.name} asks for ${asked}; ${setting("max_memory_per_replica")} caps a replica at ${bytes(memCap)}: set deploy.resources.limits.memory within it`,
    );
  }
  const cpuCap = ceiling.maxNanoCpusPerReplica;
  if (cpuCap !== undefined && (limits.nanoCpus === 0 || limits.nanoCpus > cpuCap)) {
    const asked =
      limits.nanoCpus === 0 ? "no CPU limit (unlimited)" : `a CPU limit of ${cpus(limits.nanoCpus)}`;
    problems.add(
      s.deployAt(["resources", "limits", "cpus"]),
      "ceiling-cpus",
      `${s.spec.name} asks for ${asked}; ${setting("max_cpus_per_replica")} caps a replica at ${cpus(cpuCap)}: set deploy.resources.limits.cpus within it`,
    );
  }
}

function checkSecrets(
  s: LoadedService,
  hosts: readonly HostSpec[],
  ceiling: Ceiling,
  problems: Problems,
): void {
  for (const [variable, secret] of Object.entries(s.spec.envSecrets)) {
    const at = s.at(["env_secrets", variable]);
    const reserved = reservedNamespace(secret, hosts);
    if (reserved !== undefined) {
      problems.add(
        at,
        "secret-namespace",
        `env_secrets.${variable}: "${secret}" is ${reserved}, not an application secret; env_secrets may only name application secrets (the env/ folder of the operator's secret store)`,
      );
    } else if (!secretGranted(ceiling, s.spec.name, secret)) {
      problems.add(
        at,
        "ceiling-secret",
        `env_secrets.${variable}: service ${s.spec.name} may not read secret "${secret}": ${setting("secrets")} does not grant it`,
      );
    }
  }
  // A stack's secrets: files: the same store, the same grants (reported at the service's secrets:).
  for (const f of s.spec.secretFiles ?? []) {
    const at = s.at(["secrets"], { key: true });
    const reserved = reservedNamespace(f.secret, hosts);
    if (reserved !== undefined) {
      problems.add(
        at,
        "secret-namespace",
        `secrets: "${f.secret}" is ${reserved}, not an application secret; a stack's secrets may only name application secrets (the env/ folder of the operator's secret store)`,
      );
    } else if (!secretGranted(ceiling, s.spec.name, f.secret)) {
      problems.add(
        at,
        "ceiling-secret",
        `secrets: service ${s.spec.name} may not read secret "${f.secret}": ${setting("secrets")} does not grant it`,
      );
    }
  }
}

/** What reserved material the name points at, or undefined for an application secret. */
function reservedNamespace(secret: string, hosts: readonly HostSpec[]): string | undefined {
  const segments = secret.split("/");
  const first = segments[0] ?? "";
  const last = segments[segments.length - 1] ?? "";
  if (first === "registry-auth") return "a registry credential";
  const host = hosts.find((h) => h.tls !== undefined && (secret === h.tls || secret.startsWith(`${h.tls}/`)));
  if (host !== undefined) return `host TLS material (hosts ${host.name}, tls: ${host.tls ?? ""})`;
  if (segments.length > 1 && HOST_CREDENTIAL_FILES.includes(last)) return "host TLS or SSH material";
  if (RESERVED_NAMESPACES.includes(first) && segments.length > 1) return `in the reserved ${first}/ folder`;
  return undefined;
}

function bytes(n: number): string {
  const units: [number, string][] = [
    [1024 ** 3, "G"],
    [1024 ** 2, "M"],
    [1024, "K"],
  ];
  for (const [size, unit] of units) if (n % size === 0) return `${n / size}${unit}`;
  return `${n} bytes`;
}

function cpus(nano: number): string {
  return `${nano / 1e9} CPU${nano === 1e9 ? "" : "s"}`;
}
