// What a service may not ask for: privileged containers, host networking and
// bind mounts outside the allowed prefixes. Two layers forbid them: the
// operator's ceiling (reported as ceiling-*, naming the operator setting) and,
// within it, cluster.yaml's policy (reported as policy-*). The Docker socket
// (and any directory holding it) is refused whatever either says: mounting it
// hands the container the whole host.

import type { Ceiling } from "../model/ceiling.js";
import type { ClusterPolicy } from "../model/spec.js";
import type { Problems } from "./errors.js";
import type { LoadedService } from "./normalise-service.js";
import { exposesDockerSocket, isUnder, normalisePath } from "./paths.js";
import { bindMountsAllowed, setting } from "./rules-ceiling.js";

// eslint-disable-next-line max-lines-per-function -- one check per policy setting over each service, each a few lines
export function checkPolicy(
  services: readonly LoadedService[],
  policy: ClusterPolicy,
  ceiling: Ceiling,
  problems: Problems,
): void {
  for (const s of services) {
    if (s.spec.privileged && !ceiling.allowPrivileged) {
      problems.add(
        s.at(["privileged"]),
        "ceiling-privileged",
        `privileged containers are forbidden by ${setting("allow_privileged")} (cluster.yaml cannot allow them)`,
      );
    } else if (s.spec.privileged && !policy.allowPrivileged) {
      problems.add(
        s.at(["privileged"]),
        "policy-privileged",
        "privileged containers are not allowed by the cluster policy (policy.allow_privileged in cluster.yaml)",
      );
    }
    if (s.spec.networkMode === "host" && !ceiling.allowHostNetwork) {
      problems.add(
        s.at(["network_mode"]),
        "ceiling-host-network",
        `network_mode: host is forbidden by ${setting("allow_host_network")} (cluster.yaml cannot allow it)`,
      );
    } else if (s.spec.networkMode === "host" && !policy.allowHostNetwork) {
      problems.add(
        s.at(["network_mode"]),
        "policy-host-network",
        "network_mode: host is not allowed by the cluster policy (policy.allow_host_network in cluster.yaml)",
      );
    }
    s.spec.volumes.forEach((v, i) => {
      if (v.type !== "bind" || v.source === undefined) return;
      const source = normalisePath(v.source);
      const at = s.at(["volumes", s.volumeIndexes[i] ?? i]);
      const shown = source === v.source ? source : `${v.source} (that is ${source})`;
      if (exposesDockerSocket(source)) {
        problems.add(
          at,
          "policy-docker-socket",
          `bind mount of ${shown} is refused: it gives the container the Docker socket, and so control of the host`,
        );
      } else if (v.readOnly && ceiling.readOnlyBinds.includes(source)) {
        if (!(policy.readOnlyBinds ?? ceiling.readOnlyBinds).includes(source))
          problems.add(
            at,
            "policy-bind-mount",
            `bind mount of ${shown} is not allowed by the cluster policy: policy.allow_bind_mounts in cluster.yaml does not cover it`,
          );
      } else if (!ceiling.allowBindMounts.some((prefix) => isUnder(source, normalisePath(prefix)))) {
        const readOnlyOnly = ceiling.readOnlyBinds.includes(source)
          ? ` (${setting("allow_read_only_binds")} allows it read-only: add :ro)`
          : "";
        problems.add(
          at,
          "ceiling-bind-mount",
          `bind mount of ${shown} is forbidden: ${bindMountsAllowed(ceiling)}${readOnlyOnly}`,
        );
      } else if (!policy.allowBindMounts.some((prefix) => isUnder(source, normalisePath(prefix)))) {
        const allowed =
          policy.allowBindMounts.length > 0
            ? `allowed prefixes: ${policy.allowBindMounts.join(", ")}`
            : "it allows none (policy.allow_bind_mounts in cluster.yaml)";
        problems.add(
          at,
          "policy-bind-mount",
          `bind mount of ${shown} is not allowed by the cluster policy; ${allowed}`,
        );
      }
    });
  }
}
