// cluster.yaml as far as it can be trusted. When the document fails its
// schema, the parts that passed (policy, hosts, defaults) are still used, so
// services are checked against them and every problem shows up in one run.

import type { Ceiling } from "../model/ceiling.js";
import type { ClusterPolicy, ClusterSpec, HostSpec } from "../model/spec.js";
import type { Layer } from "./context.js";
import type { Problems } from "./errors.js";
import { reportSchemaErrors } from "./messages.js";
import { defaultsLayer, normaliseCluster, normaliseHosts, normalisePolicy } from "./normalise-cluster.js";
import type { YamlDoc } from "./parse.js";
import type { RawCluster } from "./raw.js";
import { checkClusterCeiling } from "./rules-ceiling.js";
import { checkDuplicateHosts } from "./rules-unique.js";
import { validateAgainstSchema } from "./schemas.js";

export interface ClusterView {
  /** Only when the whole document is valid. */
  readonly spec?: ClusterSpec;
  readonly policy?: ClusterPolicy;
  readonly hosts?: readonly HostSpec[];
  readonly defaults?: Layer;
}

export function loadCluster(d: YamlDoc | undefined, ceiling: Ceiling, problems: Problems): ClusterView {
  if (d === undefined) return {};
  checkClusterCeiling(d, ceiling, problems);
  checkDuplicateHosts(d, problems);
  const errors = validateAgainstSchema("Cluster", d.value);
  const raw = d.value as RawCluster;
  if (errors.length === 0) {
    const loaded = normaliseCluster(d, raw, ceiling, problems);
    const { spec } = loaded;
    const view = { spec, policy: spec.policy, hosts: spec.hosts };
    return loaded.defaults ? { ...view, defaults: loaded.defaults } : view;
  }
  reportSchemaErrors(d, "Cluster", errors, problems);
  const sound = (part: "policy" | "hosts" | "defaults"): boolean =>
    !errors.some(
      (e) =>
        e.instancePath === `/${part}` ||
        e.instancePath.startsWith(`/${part}/`) ||
        (e.instancePath === "" && e.keyword === "required" && e.params.missingProperty === part),
    );
  const view: { policy?: ClusterPolicy; hosts?: readonly HostSpec[]; defaults?: Layer } = {};
  if (sound("policy")) view.policy = normalisePolicy(raw.policy, ceiling);
  if (sound("hosts") && Array.isArray(raw.hosts)) view.hosts = normaliseHosts(d, raw.hosts, problems);
  const defaults = sound("defaults") ? defaultsLayer(d, raw.defaults) : undefined;
  if (defaults) view.defaults = defaults;
  return view;
}
