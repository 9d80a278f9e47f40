// The `ceiling:` section of the operator configuration (schema-valid by now)
// to the model's Ceiling. Anything left out keeps the baseline profile's
// value. Sizes and CPU counts are parsed here; a bad one is reported at its
// pointer through `problem`.

import { BASELINE_CEILING, capabilityName, type Ceiling, type SecretGrant } from "../model/ceiling.js";
import { normalisePath } from "../spec/paths.js";
import { parseCpus, parseSize } from "../spec/units.js";
import type { Problem } from "./problem.js";

type Raw = Record<string, unknown>;

export function parseCeiling(raw: unknown, problem: Problem): Ceiling {
  const c = (typeof raw === "object" && raw !== null && !Array.isArray(raw) ? raw : {}) as Raw;
  const bool = (key: string, fallback: boolean): boolean =>
    typeof c[key] === "boolean" ? (c[key] as boolean) : fallback;
  const strings = (key: string): string[] | undefined =>
    Array.isArray(c[key])
      ? (c[key] as unknown[]).filter((v): v is string => typeof v === "string")
      : undefined;
  const int = (key: string): number | undefined =>
    typeof c[key] === "number" ? (c[key] as number) : undefined;

  const memory =
    typeof c["max_memory_per_replica"] === "string" ? parseSize(c["max_memory_per_replica"]) : undefined;
  if (memory !== undefined && !memory.ok)
    problem("/ceiling/max_memory_per_replica", "config-bad-size", memory.reason);
  const cpus =
    typeof c["max_cpus_per_replica"] === "string" ? parseCpus(c["max_cpus_per_replica"]) : undefined;
  if (cpus !== undefined && !cpus.ok)
    problem("/ceiling/max_cpus_per_replica", "config-bad-cpus", cpus.reason);

  const endpoints = strings("endpoints");
  const cluster = typeof c["cluster"] === "string" ? c["cluster"] : undefined;
  const total = int("max_replicas_total");
  return {
    ...(endpoints !== undefined && { endpoints }),
    ...(cluster !== undefined && { cluster }),
    allowPrivileged: bool("allow_privileged", BASELINE_CEILING.allowPrivileged),
    allowHostNetwork: bool("allow_host_network", BASELINE_CEILING.allowHostNetwork),
    allowHostPid: bool("allow_host_pid", BASELINE_CEILING.allowHostPid),
    allowHostIpc: bool("allow_host_ipc", BASELINE_CEILING.allowHostIpc),
    allowBindMounts: strings("allow_bind_mounts") ?? BASELINE_CEILING.allowBindMounts,
    readOnlyBinds: (strings("allow_read_only_binds") ?? BASELINE_CEILING.readOnlyBinds).map(normalisePath),
    allowDevices: strings("allow_devices") ?? BASELINE_CEILING.allowDevices,
    capAdd: (strings("cap_add") ?? BASELINE_CEILING.capAdd).map(capabilityName),
    maxReplicasPerService: int("max_replicas_per_service") ?? BASELINE_CEILING.maxReplicasPerService,
    ...(total !== undefined && { maxReplicasTotal: total }),
    ...(memory?.ok === true && { maxMemoryBytesPerReplica: memory.value }),
    ...(cpus?.ok === true && { maxNanoCpusPerReplica: cpus.value }),
    secrets: grants(c["secrets"]) ?? BASELINE_CEILING.secrets,
    ...(strings("security_opt") !== undefined && { securityOpt: strings("security_opt") ?? [] }),
    ...(strings("sysctls") !== undefined && { sysctls: strings("sysctls") ?? [] }),
  };
}

function grants(raw: unknown): SecretGrant[] | undefined {
  if (!Array.isArray(raw)) return undefined;
  return raw.map((g: unknown) => {
    const r = (typeof g === "object" && g !== null ? g : {}) as Raw;
    const list = (v: unknown): string[] =>
      Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : [];
    return r["services"] === undefined
      ? { secrets: list(r["secrets"]) }
      : { secrets: list(r["secrets"]), services: list(r["services"]) };
  });
}
