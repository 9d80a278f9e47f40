// What the cluster policy forbids: privileged containers, host networking and
// bind mounts outside the allowed prefixes. The Docker socket (and any
// directory holding it) is refused whatever the policy says: mounting it
// hands the container the whole host.

import { posix } from "node:path";
import type { ClusterPolicy } from "../model/spec.js";
import type { Problems } from "./errors.js";
import type { LoadedService } from "./normalise-service.js";

const DOCKER_SOCKETS = ["/var/run/docker.sock", "/run/docker.sock"];

export function checkPolicy(
  services: readonly LoadedService[],
  policy: ClusterPolicy,
  problems: Problems,
): void {
  for (const s of services) {
    if (s.spec.privileged && !policy.allowPrivileged) {
      problems.add(
        s.at(["privileged"]),
        "policy-privileged",
        "privileged containers are not allowed by the cluster policy (policy.allow_privileged in cluster.yaml)",
      );
    }
    if (s.spec.networkMode === "host" && !policy.allowHostNetwork) {
      problems.add(
        s.at(["network_mode"]),
        "policy-host-network",
        "network_mode: host is not allowed by the cluster policy (policy.allow_host_network in cluster.yaml)",
      );
    }
    s.spec.volumes.forEach((v, i) => {
      if (v.type !== "bind" || v.source === undefined) return;
      const source = normalise(v.source);
      const at = s.at(["volumes", i]);
      const shown = source === v.source ? source : `${v.source} (that is ${source})`;
      if (exposesDockerSocket(source)) {
        problems.add(
          at,
          "policy-docker-socket",
          `bind mount of ${shown} is refused: it gives the container the Docker socket, and so control of the host`,
        );
      } else if (!policy.allowBindMounts.some((prefix) => isUnder(source, normalise(prefix)))) {
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

/** Resolves "." and ".." so "/srv/data/../../etc" is judged as "/etc". */
function normalise(path: string): string {
  const n = posix.normalize(posix.join("/", path));
  return n.length > 1 && n.endsWith("/") ? n.slice(0, -1) : n;
}

function isUnder(path: string, prefix: string): boolean {
  return prefix === "/" || path === prefix || path.startsWith(`${prefix}/`);
}

function exposesDockerSocket(source: string): boolean {
  return posix.basename(source) === "docker.sock" || DOCKER_SOCKETS.some((sock) => isUnder(sock, source));
}
