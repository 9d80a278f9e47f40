// A stack's networks, with Compose's meaning where it holds across hosts. Each
// network is a bridge on every host that runs a replica on it; the names edge
// of that host answers there to the names of the services on it, so a
// service is found by its Compose name inside its stack, and from another
// stack only through a network both name (`external: true`, or the same
// `name:`), exactly as on a Compose network. Settings that only mean
// something on one host (driver, ipam, internal, ...) are warned about and
// left out: a replica on another host is reached through the edges, never
// over a shared layer-2 network.

import type { ServiceNetwork } from "../../model/spec.js";
import type { Problems } from "../errors.js";
import type { YamlDoc } from "../parse.js";
import { locate } from "../positions.js";
import { didYouMean } from "../suggest.js";
import { DEFAULT_NETWORK, fullServiceName, stackResourceName } from "./names.js";

export interface StackNetwork {
  readonly key: string;
  /** Its name in the cluster: `<stack>_<key>`, or `name:` (external networks: `name:` or the key). */
  readonly name: string;
  readonly external: boolean;
}

/** Docker network names gitfleet may create (as `gf-<cluster>-<name>`). */
const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,99}$/;
const TOP_KEYS = [
  "driver",
  "driver_opts",
  "attachable",
  "enable_ipv6",
  "external",
  "internal",
  "ipam",
  "labels",
  "name",
];
const HOST_ONLY_KEYS = ["driver_opts", "attachable", "enable_ipv6", "internal", "ipam", "labels"];
const SERVICE_KEYS = [
  "aliases",
  "ipv4_address",
  "ipv6_address",
  "link_local_ips",
  "mac_address",
  "priority",
  "gw_priority",
  "driver_opts",
  "interface_name",
];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The top-level `networks:` of a Compose file; `default` is always there (Compose makes it). */
// eslint-disable-next-line max-lines-per-function -- one entry per Compose network setting, each accepted or refused with its reason
export function stackNetworks(doc: YamlDoc, stack: string, problems: Problems): Map<string, StackNetwork> {
  const out = new Map<string, StackNetwork>();
  out.set(DEFAULT_NETWORK, {
    key: DEFAULT_NETWORK,
    name: stackResourceName(stack, DEFAULT_NETWORK),
    external: false,
  });
  const raw = isRecord(doc.value) ? doc.value["networks"] : undefined;
  if (raw === undefined || raw === null) return out;
  if (!isRecord(raw)) {
    problems.add(locate(doc, ["networks"]), "schema", "networks must be a mapping of network names");
    return out;
  }
  for (const [key, decl] of Object.entries(raw)) {
    const at = (...path: string[]) => locate(doc, ["networks", key, ...path], { key: path.length > 0 });
    if (decl !== null && !isRecord(decl)) {
      problems.add(at(), "schema", `networks.${key} must be a mapping (or empty)`);
      continue;
    }
    const d = decl ?? {};
    for (const k of Object.keys(d)) {
      if (!TOP_KEYS.includes(k)) {
        const close = didYouMean(k, TOP_KEYS);
        problems.add(
          at(k),
          "unknown-key",
          `networks.${key}: unknown key "${k}"` +
            (close ? `: did you mean "${close}"?` : `; allowed: ${TOP_KEYS.join(", ")}`),
        );
      } else if (HOST_ONLY_KEYS.includes(k)) {
        problems.warn(
          at(k),
          "no-effect",
          `networks.${key}.${k} has no effect: each host gets its own bridge network and other hosts are reached through the edge`,
        );
      }
    }
    const driver = d["driver"];
    if (driver !== undefined && driver !== "bridge" && driver !== "overlay") {
      problems.add(
        at("driver"),
        "schema",
        `networks.${key}.driver ${JSON.stringify(driver)} is not supported: leave it out (a bridge on each host)`,
      );
    } else if (driver === "overlay") {
      problems.warn(
        at("driver"),
        "no-effect",
        `networks.${key}.driver: overlay has no effect: each host gets a bridge and replicas on other hosts are reached through the edge`,
      );
    }
    const external = externalFlag(d["external"]);
    if (external === undefined) {
      problems.add(at("external"), "schema", `networks.${key}.external must be true or false`);
      continue;
    }
    const named = d["name"];
    if (named !== undefined && typeof named !== "string") {
      problems.add(at("name"), "schema", `networks.${key}.name must be a string`);
      continue;
    }
    const name = named ?? (external ? key : stackResourceName(stack, key));
    if (!NETWORK_NAME.test(name)) {
      problems.add(
        named !== undefined ? at("name") : at(),
        "invalid-name",
        `network name "${name}" is not usable: letters, digits, "_", "." and "-", starting with a letter or digit`,
      );
      continue;
    }
    out.set(key, { key, name, external });
  }
  return out;
}

/** `external: true`, or Compose's old `external: {name: x}` form (taken as true). */
function externalFlag(v: unknown): boolean | undefined {
  if (v === undefined) return false;
  if (typeof v === "boolean") return v;
  if (isRecord(v)) return true;
  return undefined;
}

/** A service's `networks:` (list or mapping) as the networks its replicas join; `default` when it names none. */
export function serviceNetworks(
  doc: YamlDoc,
  stack: string,
  service: string,
  raw: unknown,
  declared: ReadonlyMap<string, StackNetwork>,
  problems: Problems,
): ServiceNetwork[] {
  // Lowercase, as the full name: Docker's DNS answers any case of a name.
  const own = [service.toLowerCase(), fullServiceName(stack, service)];
  const entries: [key: string, extra: unknown, path: (string | number)[]][] = [];
  if (raw === undefined || raw === null) entries.push([DEFAULT_NETWORK, null, []]);
  else if (Array.isArray(raw)) raw.forEach((k, i) => entries.push([String(k), null, ["networks", i]]));
  else if (isRecord(raw)) for (const [k, v] of Object.entries(raw)) entries.push([k, v, ["networks", k]]);
  else {
    problems.add(
      locate(doc, ["networks"]),
      "schema",
      "networks must be a list of network names or a mapping",
    );
    return [];
  }
  const out = new Map<string, ServiceNetwork>();
  for (const [key, extra, path] of entries) {
    const net = declared.get(key);
    if (net === undefined) {
      const close = didYouMean(key, [...declared.keys()]);
      problems.add(
        locate(doc, path, { key: isRecord(raw) }),
        "unknown-network",
        `network "${key}" is not declared in this Compose file's top-level networks` +
          (close !== undefined
            ? `: did you mean "${close}"?`
            : `; declare it there (external: true to share it with other stacks)`),
      );
      continue;
    }
    const aliases = [...own, ...networkAliases(doc, path, extra, problems)];
    const before = out.get(net.name)?.aliases ?? [];
    out.set(net.name, { name: net.name, aliases: [...new Set([...before, ...aliases])].sort() });
  }
  return [...out.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function networkAliases(
  doc: YamlDoc,
  path: (string | number)[],
  extra: unknown,
  problems: Problems,
): string[] {
  if (extra === null || extra === undefined) return [];
  if (!isRecord(extra)) {
    problems.add(locate(doc, path), "schema", "a service's network entry must be a mapping (or empty)");
    return [];
  }
  for (const k of Object.keys(extra)) {
    if (!SERVICE_KEYS.includes(k)) {
      const close = didYouMean(k, SERVICE_KEYS);
      problems.add(
        locate(doc, [...path, k], { key: true }),
        "unknown-key",
        `unknown key "${k}" in a service's network entry` +
          (close ? `: did you mean "${close}"?` : `; allowed: ${SERVICE_KEYS.join(", ")}`),
      );
    } else if (k !== "aliases") {
      problems.warn(
        locate(doc, [...path, k], { key: true }),
        "no-effect",
        `${k} has no effect: a replica's address is picked by the host it lands on; reach it by its service name or aliases`,
      );
    }
  }
  const aliases = extra["aliases"];
  if (aliases === undefined) return [];
  if (!Array.isArray(aliases) || !aliases.every((a) => typeof a === "string" && NETWORK_NAME.test(a))) {
    problems.add(
      locate(doc, [...path, "aliases"]),
      "schema",
      'aliases must be a list of names (letters, digits, "_", ".", "-")',
    );
    return [];
  }
  return aliases as string[];
}
