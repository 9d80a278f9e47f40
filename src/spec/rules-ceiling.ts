// What the operator's ceiling forbids in cluster.yaml: a cluster name other
// than the pinned one, Docker endpoints the operator did not list, and a
// `policy:` that asks for more than the ceiling (it may only narrow it).
// Each problem is reported at the line that asks and names the operator
// setting that forbids it. Works on the raw document, so it still runs when
// other parts of cluster.yaml fail their schema.

import { endpointAllowed, type Ceiling } from "../model/ceiling.js";
import type { Problems } from "./errors.js";
import type { YamlDoc } from "./parse.js";
import { locate } from "./positions.js";
import { isUnder, normalisePath } from "./paths.js";

export const OPERATOR_CONFIG = "the operator configuration";

/** `ceiling.KEY in the operator configuration`: how every message names the setting. */
export function setting(key: string): string {
  return `ceiling.${key} in ${OPERATOR_CONFIG}`;
}

export function checkClusterCeiling(d: YamlDoc, ceiling: Ceiling, problems: Problems): void {
  const raw = record(d.value);
  if (raw === undefined) return;
  const name = raw["name"];
  if (ceiling.cluster !== undefined && typeof name === "string" && name !== ceiling.cluster) {
    problems.add(
      locate(d, ["name"]),
      "ceiling-cluster-name",
      `cluster name "${name}" is not the one this operator manages: ${setting("cluster")} pins it to "${ceiling.cluster}"`,
    );
  }
  const hosts = raw["hosts"];
  if (Array.isArray(hosts)) {
    hosts.forEach((h: unknown, i) => {
      const docker = record(h)?.["docker"];
      if (typeof docker !== "string" || endpointAllowed(ceiling, docker)) return;
      problems.add(
        locate(d, ["hosts", i, "docker"]),
        "ceiling-endpoint",
        `Docker endpoint "${docker}" is not one this operator may manage (${setting("endpoints")}: ${(ceiling.endpoints ?? []).join(", ")})`,
      );
    });
  }
  checkPolicyNarrows(d, record(raw["policy"]), ceiling, problems);
}

function checkPolicyNarrows(
  d: YamlDoc,
  policy: Record<string, unknown> | undefined,
  ceiling: Ceiling,
  problems: Problems,
): void {
  if (policy === undefined) return;
  if (policy["allow_privileged"] === true && !ceiling.allowPrivileged) {
    problems.add(
      locate(d, ["policy", "allow_privileged"]),
      "ceiling-privileged",
      `policy.allow_privileged: true asks for more than the operator allows: privileged containers are forbidden by ${setting("allow_privileged")}; cluster.yaml's policy may only narrow it`,
    );
  }
  if (policy["allow_host_network"] === true && !ceiling.allowHostNetwork) {
    problems.add(
      locate(d, ["policy", "allow_host_network"]),
      "ceiling-host-network",
      `policy.allow_host_network: true asks for more than the operator allows: host networking is forbidden by ${setting("allow_host_network")}; cluster.yaml's policy may only narrow it`,
    );
  }
  const binds = policy["allow_bind_mounts"];
  if (!Array.isArray(binds)) return;
  binds.forEach((prefix: unknown, j) => {
    if (typeof prefix !== "string") return;
    const p = normalisePath(prefix);
    if (ceiling.allowBindMounts.some((c) => isUnder(p, normalisePath(c)))) return;
    if (ceiling.readOnlyBinds.includes(p)) return;
    problems.add(
      locate(d, ["policy", "allow_bind_mounts", j]),
      "ceiling-bind-mount",
      `policy.allow_bind_mounts "${prefix}" asks for more than the operator allows: ${bindMountsAllowed(ceiling)}; cluster.yaml's policy may only narrow it`,
    );
  });
}

export function bindMountsAllowed(ceiling: Ceiling): string {
  return ceiling.allowBindMounts.length > 0
    ? `${setting("allow_bind_mounts")} allows only ${ceiling.allowBindMounts.join(", ")}`
    : `${setting("allow_bind_mounts")} allows none`;
}

function record(v: unknown): Record<string, unknown> | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}
